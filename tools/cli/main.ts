#!/usr/bin/env node
/** `rivya-sora2`: run, start, watch and stop Sora 2 generations on Temporal. */
import { Command, type CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/internal/package-root';
import { registerBatch } from './commands/batch';
import { registerBatchOperate } from './commands/batch-operate';
import { registerBudget } from './commands/budget';
import { registerCluster } from './commands/cluster';
import { registerCodecServer } from './commands/codec-server';
import { registerDev } from './commands/dev';
import { registerGenerate } from './commands/generate';
import { registerList } from './commands/list';
import { registerOperate } from './commands/operate';
import { registerApproval } from './commands/approval';
import { registerProcesses } from './commands/processes';
import { registerReplay } from './commands/replay';
import { registerVideos } from './commands/videos';
import { registerStatusAndCancel } from './commands/status';
import { registerWebhooks } from './commands/webhooks';
import { registerWebhooksServe } from './commands/webhooks-serve';
import { Sora2ConfigError } from '../../src/worker/settings';
import { ExitCodes } from './exit-codes';
import { printable } from './printable';

const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };

/**
 * Commander's own usage errors (a missing required option, an unknown option or command) are
 * invalid input like every other: exit 2, not commander's 1; help and --version exit 0. Commander
 * has already printed its message. Set before the commands are added: each one inherits it.
 */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? ExitCodes.ok : ExitCodes.invalid);
}

const program = new Command()
  .name('rivya-sora2')
  .description('Rivya Sora 2 video generations as durable Temporal workflows')
  .version(version)
  .exitOverride(usageExit);

registerDev(program);
registerProcesses(program);
registerGenerate(program);
registerBatch(program);
registerBatchOperate(program);
registerStatusAndCancel(program);
registerList(program);
registerOperate(program);
registerBudget(program);
registerApproval(program);
registerWebhooksServe(registerWebhooks(program));
registerCluster(program);
registerCodecServer(program);
registerReplay(program);
registerVideos(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Config errors already name the variable and never contain the key; print just the message.
  // Other errors may quote the server (Temporal, Rivya): printable, like every foreign text.
  console.error(`error: ${printable(err instanceof Error ? err.message : err)}`);
  // Every configuration or usage error (the commands' *UsageError, the library's *ConfigError, a missing
  // optional peer, an unsupported SDK) extends Sora2ConfigError: the caller's to fix, as invalid input.
  process.exit(err instanceof Sora2ConfigError ? ExitCodes.invalid : ExitCodes.failed);
});
