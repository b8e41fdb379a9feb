/**
 * `rivya-sora2 replay`: replays workflow histories against the workflow code of the installed
 * package (or the application's own workflows module), in a CI job before upgrading this plugin or
 * the Temporal SDK. A history that does not replay means the new code would stop the workflows
 * that recorded it: it is printed with the SDK's non-determinism message and the command exits 1.
 *
 * Histories from files (JSON as `temporal workflow show --output json` writes it, or .binpb) and
 * from the server (`--workflow-id`, `--query`; TEMPORAL_* settings as every command). With
 * RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE set, encrypted histories are decoded with the workers' keys.
 *
 * Exit codes: 0 every history replayed; 1 at least one did not (or Temporal was unreachable);
 * 2 usage — nothing to replay, a file that is missing or not a history, an unknown workflow id.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Command, CommanderError } from 'commander';
import { codecKeysConfigured } from '../../../src/codec';
import { Sora2Plugin } from '../../../src/worker/plugin';
import {
  HistoryFileError,
  PACKAGE_WORKFLOW_TYPES,
  packageWorkflowCode,
  readHistoryFile,
  replayHistories,
  type HistoryReplayOutcome,
  type HistoryToReplay,
} from '../../../src/worker/replay-histories';
import { Sora2ConfigError } from '../../../src/worker/settings';
import { ExitCodes } from '../exit-codes';
import { printable } from '../printable';
import { connectTemporal } from '../reach-temporal';

/** How many runs `--query` fetches by default, and at most (`--limit`). */
const DEFAULT_QUERY_LIMIT = 100;
const MAX_QUERY_LIMIT = 10_000;

/**
 * A mistake the caller must fix, told before anything is replayed; it reaches main's handler (exit 2),
 * as do a codec key mistake (CodecConfigError) and an unsupported SDK (Sora2SdkVersionError).
 */
export class ReplayUsageError extends Sora2ConfigError {
  override readonly name = 'ReplayUsageError';
}

export interface ReplayCommandOptions {
  workflowId: string[];
  query?: string;
  limit: string;
  workflows?: string;
  verbose?: boolean;
}

/** `--workflows`: a file (TypeScript or JavaScript) or anything Node resolves from the working directory. */
function resolveWorkflowsModule(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute) && statSync(absolute).isFile()) return absolute;
  for (const candidate of [absolute, `${absolute}.ts`]) {
    try {
      return require.resolve(candidate);
    } catch {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  throw new ReplayUsageError(`--workflows ${path}: no such module`);
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new ReplayUsageError(`--limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`);
  }
  return limit;
}

/** gRPC NOT_FOUND, as the history service answers for an unknown workflow id. */
const isNotFound = (err: unknown) => (err as { code?: unknown })?.code === 5;

/** Each id's latest run, then up to `limit` runs matching the visibility query; all fetched before replaying. */
async function fetchFromServer(client: Client, ids: string[], query: string | undefined, limit: number): Promise<HistoryToReplay[]> {
  const fetched: HistoryToReplay[] = [];
  for (const workflowId of ids) {
    try {
      fetched.push({ workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory(), source: 'server' });
    } catch (err) {
      if (isNotFound(err)) throw new ReplayUsageError(`no workflow with id ${printable(workflowId)} on the server`);
      throw err;
    }
  }
  if (query !== undefined) {
    let count = 0;
    for await (const { workflowId, history } of client.workflow.list({ query }).intoHistories()) {
      fetched.push({ workflowId, history: history as HistoryToReplay['history'], source: 'server, --query' });
      if ((count += 1) >= limit) {
        console.error(`replay: --query matched more than ${limit} runs; replaying the first ${limit} (raise --limit for more)`);
        break;
      }
    }
    if (count === 0) console.error(`replay: --query matched no workflow: ${printable(query)}`);
  }
  return fetched;
}

/** A hint for the two mistakes the SDK's message does not name. */
function hintFor(outcome: HistoryReplayOutcome, ownWorkflows: boolean): string {
  if (!ownWorkflows && outcome.workflowType && !PACKAGE_WORKFLOW_TYPES.includes(outcome.workflowType)) {
    return ` (${printable(outcome.workflowType)} is not a workflow of this package: replay it with --workflows <your workflows module>)`;
  }
  if (!codecKeysConfigured() && /binary\/encrypted/.test(outcome.message ?? '')) {
    return " (its payloads are encrypted: set RIVYA_CODEC_KEYS or RIVYA_CODEC_KEY_FILE to the workers' keys)";
  }
  return '';
}

/**
 * The reason inside the SDK's message: it wraps Core's `Failure { failure: Some(Failure { message:
 * "…", stack_trace: … }) }` in a paragraph; the quoted message is what to read (`--verbose`: all of it).
 */
export function reasonOf(message: string): string {
  const quoted = /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  return quoted !== undefined ? quoted.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c)) : message;
}

export function formatOutcome(outcome: HistoryReplayOutcome, ownWorkflows: boolean, verbose = false): string {
  const what = `${printable(outcome.workflowId)}  ${printable(outcome.workflowType ?? 'unknown type')}, ${outcome.events} events  (${printable(outcome.source)})`;
  if (outcome.verdict === 'ok') return `ok    ${what}`;
  const kind = outcome.verdict === 'nondeterministic' ? 'non-determinism' : 'replay failed';
  const message = outcome.message ?? '';
  return `FAIL  ${what}: ${kind}: ${printable(verbose ? message : reasonOf(message))}${hintFor(outcome, ownWorkflows)}`;
}

/** A history file from the command line; one that is missing or not a history is a usage mistake (exit 2). */
function readHistoryArgument(file: string): HistoryToReplay {
  try {
    return readHistoryFile(file);
  } catch (err) {
    if (err instanceof HistoryFileError) throw new ReplayUsageError(err.message);
    throw err;
  }
}

export async function runReplay(files: string[], options: ReplayCommandOptions): Promise<number> {
  const limit = parseLimit(options.limit);
  if (files.length === 0 && options.workflowId.length === 0 && options.query === undefined) {
    throw new ReplayUsageError('nothing to replay: give history files, --workflow-id <id> or --query <visibility query>');
  }
  // Everything the caller must fix is told before a worker is built or a server asked.
  const workflowsPath = options.workflows !== undefined ? resolveWorkflowsModule(options.workflows) : undefined;
  const histories = files.map(readHistoryArgument);
  // With the workers' keys, encrypted payloads decode; a key problem is a usage error (CodecConfigError).
  const plugin = new Sora2Plugin(codecKeysConfigured() ? { encryption: true } : {});

  if (options.workflowId.length > 0 || options.query !== undefined) {
    const { client, close } = await connectTemporal();
    try {
      histories.push(...(await fetchFromServer(client, options.workflowId, options.query, limit)));
    } finally {
      await close();
    }
  }
  if (histories.length === 0) return ExitCodes.ok;

  // The replay worker's own log lines (a failed activation, its stack; Core's "Failing workflow task")
  // would bury the one line per history, which carries the same reason (all of it with --verbose).
  Runtime.install({
    logger: new DefaultLogger('ERROR', () => undefined),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const code = workflowsPath ? { workflowsPath } : packageWorkflowCode();
  const against = workflowsPath
    ? `the workflows of ${workflowsPath}`
    : `this package's workflows (${PACKAGE_WORKFLOW_TYPES.join(', ')}${code.workflowBundle ? ', prebuilt bundle' : ''})`;
  console.error(`replaying ${histories.length} histor${histories.length === 1 ? 'y' : 'ies'} against ${against}`);

  let failed = 0;
  let nondeterministic = 0;
  for await (const outcome of replayHistories(histories, { ...code, plugins: [plugin] })) {
    if (outcome.verdict !== 'ok') failed += 1;
    if (outcome.verdict === 'nondeterministic') nondeterministic += 1;
    console.log(formatOutcome(outcome, workflowsPath !== undefined, options.verbose));
  }
  console.log(
    failed === 0
      ? `all ${histories.length} replayed`
      : `${failed} of ${histories.length} did not replay` +
          (nondeterministic > 0
            ? `; ${nondeterministic} by non-determinism: this workflow code would fail those workflows' next workflow task`
            : ''),
  );
  return failed === 0 ? ExitCodes.ok : ExitCodes.failed;
}

/** Commander's usage errors (unknown option, missing value) exit 2, help 0. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? ExitCodes.ok : ExitCodes.invalid);
}

export function registerReplay(program: Command): void {
  program
    .command('replay [files...]')
    .description(
      'replay workflow histories (JSON from `temporal workflow show --output json` or the UI, or .binpb; or fetched with ' +
        "--workflow-id / --query) against this package's workflow code: 0 all replay, 1 one does not (non-determinism), 2 usage",
    )
    .option(
      '--workflow-id <id>',
      "fetch this workflow's latest run from the server (repeatable)",
      (id: string, ids: string[]) => [...ids, id],
      [],
    )
    .option('--query <query>', 'fetch the runs a visibility query lists, e.g. "ExecutionStatus=\'Running\'"')
    .option('--limit <n>', 'at most this many runs from --query', String(DEFAULT_QUERY_LIMIT))
    .option(
      '--workflows <path>',
      "replay against your workflows module (the file your worker's workflowsPath names) instead of this package's",
    )
    .option('--verbose', "print the SDK's whole message for a history that does not replay (default: the reason inside it)")
    .exitOverride(usageExit)
    .action(async (files: string[], options: ReplayCommandOptions) => {
      process.exitCode = await runReplay(files, options);
    });
}
