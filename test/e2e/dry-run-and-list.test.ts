/**
 * Issue #28 items 1 and 6 as users run them: the built CLI against its own `dev` stack. The dry run
 * reads dev's simulator wallet (RIVYA_API_KEY / RIVYA_BASE_URL, as dev prints them) and dev's
 * reference folder, and leaves nothing behind in the simulator; a bad reference exits 2 like the
 * real run. `list --json` finds a real generation with its status, task, model and price.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SIMULATOR_API_KEY } from '../../simulator/config';
import { runCli } from '../helpers/cli-process';
import { useDevRun } from '../helpers/dev-run';
import { nextId as id } from '../helpers/ids';
import { waitFor } from '../helpers/simulator';

const dev = useDevRun('dry-run-list');
const dryRunEnv = () => ({ ...dev.env, RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY, RIVYA_BASE_URL: dev.simulatorUrl });

interface Stats {
  counters: Record<string, { requests: number } | undefined>;
  tasks: unknown[];
  ledger: unknown[];
}

test('generate --dry-run: price, wallet and checks as JSON, nothing uploaded, created or paid', async () => {
  const before = await dev.simulatorRead<Stats>('/_simulator/stats');
  const run = await runCli(
    ['generate', '--prompt', 'a kite over the dunes', '--reference', 'sample-reference.png', '--dry-run', '--json'],
    dryRunEnv(),
    90_000,
    dev.cwd,
  );
  expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
  const estimate = JSON.parse(run.stdout) as Record<string, unknown>;
  expect(estimate).toMatchObject({ ok: true, model: 'sora-2', price: 6, fits: true, issues: [] });
  expect(typeof estimate.walletCredits).toBe('number');
  const after = await dev.simulatorRead<Stats>('/_simulator/stats');
  expect(after.counters.uploadFile?.requests ?? 0).toBe(before.counters.uploadFile?.requests ?? 0);
  expect(after.counters.createGeneration?.requests ?? 0).toBe(before.counters.createGeneration?.requests ?? 0);
  expect(after.ledger).toHaveLength(before.ledger.length);
  expect(after.counters.getCredits?.requests).toBe((before.counters.getCredits?.requests ?? 0) + 1);
});

test('generate --dry-run with a renamed GIF: refused as the real run refuses it, exit 2', async () => {
  writeFileSync(join(dev.cwd, '.rivya-dev', 'references', 'renamed.png'), Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(32)]));
  const run = await runCli(['generate', '--prompt', 'a kite', '--reference', 'renamed.png', '--dry-run'], dryRunEnv(), 90_000, dev.cwd);
  expect(run.code).toBe(2);
  expect(run.stdout).toMatch(/^refused \(ValidationFailed, ReferenceRejected\): reference\.path: not a JPEG, PNG or WebP image/m);
  expect(run.stdout).toContain("(rivya-sora2 dev's default)");
  const real = await runCli(['generate', '--prompt', '[sim:succeed] a kite', '--reference', 'renamed.png', '--wait'], dev.env, 90_000);
  expect(real.code).toBe(run.code);
});

test('list --json: a finished generation with its status, task, model, price; --status filters', async () => {
  const workflowId = id('listed');
  const generated = await runCli(['generate', '--prompt', '[sim:succeed] a listed kite', '--workflow-id', workflowId, '--wait'], dev.env);
  expect(generated.code).toBe(0);
  const listed = await waitFor(
    async () => {
      const run = await runCli(['list', '--status', 'succeeded', '--json'], dev.env);
      const page = JSON.parse(run.stdout) as { generations: Array<Record<string, unknown>> };
      return page.generations.find((generation) => generation.workflowId === workflowId);
    },
    30_000,
    500,
  );
  expect(listed).toMatchObject({ status: 'succeeded', model: 'sora-2', price: 6, executionStatus: 'COMPLETED' });
  expect(listed.taskId).toEqual(expect.any(String));
  const failedOnly = JSON.parse((await runCli(['list', '--status', 'failed', '--json'], dev.env)).stdout) as { generations: unknown[] };
  expect(failedOnly.generations.map((generation) => (generation as { workflowId: string }).workflowId)).not.toContain(workflowId);
  const table = await runCli(['list', '--limit', '1'], dev.env);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^STARTED\s+STATUS\s+MODEL\s+PRICE\s+DURATION\s+TASK\s+BATCH\s+ACCOUNT\s+WORKFLOW ID/);
});
