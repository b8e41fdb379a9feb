/**
 * `rivya-sora2 batch` as users run it: the built binary against its own `dev` stack (real dev
 * server, simulator, worker) — the README's path from a fresh clone. Exit codes as `generate`:
 * 0 every item succeeded, 1 some did not, 2 nothing started (invalid, over the budget).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './helpers/simulator';
import { cleanEnv, runCli, startCli, type LongRunning } from './helpers/cli-process';

const FIXTURE = join(__dirname, 'fixtures', 'batch-20.jsonl');

let dev: LongRunning;
let devCwd: string;
let env: NodeJS.ProcessEnv;
let simulatorUrl: string;
let simulatorAdminToken: string;

beforeAll(async () => {
  devCwd = mkdtempSync(join(tmpdir(), 'rivya-batch-cli-'));
  dev = startCli(['dev', '--port', '0', '--ui-port', '0'], cleanEnv(), devCwd);
  await waitFor(() => (dev.output().includes('Ctrl-C stops everything') ? true : undefined), 120_000, 200).catch((err) => {
    throw new Error(`${err}\n${dev.output()}`);
  });
  env = cleanEnv({ TEMPORAL_ADDRESS: /Temporal dev server: (\S+)/.exec(dev.output())![1]! });
  simulatorUrl = /Rivya simulator: (\S+)/.exec(dev.output())![1]!;
  simulatorAdminToken = /simulator admin token: (\S+)/.exec(dev.output())![1]!;
}, 150_000);

afterAll(async () => {
  await dev?.stop('SIGINT');
  if (devCwd) rmSync(devCwd, { recursive: true, force: true });
});

interface SimTask {
  id: string;
  idempotencyKey: string | null;
}

async function tasksOf(batchId: string): Promise<SimTask[]> {
  const response = await fetch(`${simulatorUrl}/_simulator/stats`, { headers: { Authorization: `Bearer ${simulatorAdminToken}` } });
  expect(response.status).toBe(200);
  const stats = (await response.json()) as { tasks: SimTask[] };
  return stats.tasks.filter((task) => task.idempotencyKey?.startsWith(`${batchId}/`));
}

let counter = 0;
const id = (prefix: string) => `${prefix}-${process.pid}-${(counter += 1)}`;

function itemsFile(lines: string[]): string {
  const path = join(devCwd, `${id('items')}.jsonl`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('batch --file <20 prompts>.jsonl --wait: progress, a summary table, exit 0, one task per item', async () => {
  const batchId = id('cli-batch');
  const run = await runCli(
    ['batch', '--file', FIXTURE, '--wait', '--batch-id', batchId, '--concurrency', '10', '--expected-duration', '8'],
    env,
    240_000,
  );
  expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
  expect(run.stderr).toContain(`started batch ${batchId}`);
  // Plain progress lines when not on a terminal, the last one complete.
  expect(run.stderr).toMatch(/\d+\/20 done \| /);
  expect(run.stdout).toMatch(/^item\s+outcome\s+task\s+credits/m);
  for (let i = 1; i <= 20; i += 1) expect(run.stdout).toMatch(new RegExp(`^clip-${String(i).padStart(2, '0')}\\s+succeeded\\s+task_`, 'm'));
  expect(run.stdout).toContain('20 succeeded, 0 failed, 0 cancelled, 0 skipped of 20; 120 credits spent');
  const tasks = await tasksOf(batchId);
  expect(tasks).toHaveLength(20);
  expect(new Set(tasks.map((task) => task.idempotencyKey)).size).toBe(20);
}, 300_000);

test('a failed item exits 1 and leads the table; --json prints every item', async () => {
  const file = itemsFile([
    JSON.stringify({ key: 'good', prompt: '[sim:succeed] fine' }),
    JSON.stringify({ key: 'bad', prompt: '[sim:fail] broken' }),
  ]);
  const run = await runCli(['batch', '--file', file, '--wait', '--expected-duration', '8'], env, 120_000);
  expect(run.code).toBe(1);
  const rows = run.stdout.split('\n').filter((line) => /^(good|bad)\s/.test(line));
  expect(rows[0]).toMatch(/^bad\s+failed\s+task_\S+\s+0\s+GenerationFailed: /);
  expect(rows[1]).toMatch(/^good\s+succeeded/);

  const json = await runCli(
    ['batch', '--file', file, '--wait', '--json', '--batch-id', id('cli-json'), '--expected-duration', '8'],
    env,
    120_000,
  );
  expect(json.code).toBe(1);
  const result = JSON.parse(json.stdout) as { items: { key: string; status: string }[] };
  expect(result.items.map((item) => `${item.key}:${item.status}`).sort()).toEqual(['bad:failed', 'good:succeeded']);
}, 300_000);

test('nothing starts, exit 2: a budget one credit short, a bad line, an invalid item', async () => {
  const file = itemsFile([JSON.stringify({ prompt: 'one' }), JSON.stringify({ prompt: 'two' })]);
  const batchId = id('cli-short');
  const short = await runCli(['batch', '--file', file, '--budget', '11', '--wait', '--batch-id', batchId], env);
  expect(short.code).toBe(2);
  expect(short.stderr).toContain('BudgetExceeded');
  expect(await tasksOf(batchId)).toHaveLength(0);

  const badLine = await runCli(['batch', '--file', itemsFile(['{"prompt": "ok"}', '{not json']), '--wait'], env);
  expect(badLine.code).toBe(2);
  expect(badLine.stderr).toMatch(/\.jsonl:2: not JSON/);

  const invalidId = id('cli-invalid');
  const invalid = await runCli(
    ['batch', '--file', itemsFile(['{"prompt": "ok"}', '{"prompt": "x", "model": "sora-9"}']), '--batch-id', invalidId],
    env,
  );
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain('items.1.model');
  expect(await tasksOf(invalidId)).toHaveLength(0);
});
