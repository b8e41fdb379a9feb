/**
 * `rivya-sora2 batch` as users run it: the built binary against its own `dev` stack (real dev
 * server, simulator, worker) — the README's path from a fresh clone. Exit codes as `generate`:
 * 0 every item succeeded, 1 some did not, 2 nothing started (invalid, over the budget).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/simulator';
import { runCli } from '../helpers/cli-process';
import { useDevRun } from '../helpers/dev-run';
import { nextId as id } from '../helpers/ids';

const FIXTURE = join(__dirname, '..', 'fixtures', 'batch-20.jsonl');

const dev = useDevRun('batch-cli');
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = dev.env;
});

interface SimTask {
  id: string;
  idempotencyKey: string | null;
}

async function tasksOf(batchId: string): Promise<SimTask[]> {
  const stats = await dev.simulatorRead<{ tasks: SimTask[] }>('/_simulator/stats');
  return stats.tasks.filter((task) => task.idempotencyKey?.startsWith(`${batchId}/`));
}

function itemsFile(lines: string[]): string {
  const path = join(dev.cwd, `${id('items')}.jsonl`);
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

test('an operator steers a running batch: batch-status, batch-add (a bad file and an invalid item refused, exit 2), batch-cancel', async () => {
  const batchId = id('cli-steer');
  const lines = (prompts: string[]) => prompts.map((prompt) => JSON.stringify({ prompt }));
  // dev's tasks take seconds: under load the three ended before the operator's commands came (the
  // batch COMPLETED, batch-add refused). Queued 15 s each, one at a time, it runs for 45 s or more.
  const { timing } = await dev.simulatorRead<{ timing: unknown }>('/_simulator/config');
  await dev.simulatorAdmin('/_simulator/config', { timing: { queuedMs: [15_000, 15_000] } });
  const restoreTiming = () => dev.simulatorAdmin('/_simulator/config', { timing });
  let answer: { skipped: number; cancelled: number; running: number };
  try {
    answer = await steer();
  } finally {
    await restoreTiming();
  }
  /** Start, look, add (refusals first), cancel: the batch-cancel answer. */
  async function steer(): Promise<{ skipped: number; cancelled: number; running: number }> {
    const started = await runCli(
      [
        'batch',
        '--file',
        itemsFile(lines(['[sim:succeed] one', '[sim:succeed] two', '[sim:succeed] three'])),
        '--batch-id',
        batchId,
        '--concurrency',
        '1',
      ],
      env,
    );
    expect(started.code).toBe(0);

    const status = await runCli(['batch-status', batchId], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^\d\/3 done \| /);

    const badFile = await runCli(['batch-add', batchId, '--file', itemsFile(['{not json'])], env);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/\.jsonl:1: not JSON/);
    const invalid = await runCli(['batch-add', batchId, '--file', itemsFile([JSON.stringify({ prompt: 'x', model: 'sora-9' })])], env);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^refused: invalid items: .*model/m);

    const added = await runCli(['batch-add', batchId, '--file', itemsFile(lines(['[sim:succeed] four']))], env);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ keys: ['3'] });

    const cancelled = await runCli(['batch-cancel', batchId], env);
    expect(cancelled.code).toBe(0);
    const answer = JSON.parse(cancelled.stdout) as { skipped: number; cancelled: number; running: number };
    // One at a time: one is running (or just done), the rest of the four were queued and are skipped.
    expect(answer.cancelled).toBe(0);
    expect(answer.skipped).toBeGreaterThanOrEqual(2);
    return answer;
  }

  const final = await waitFor(
    async () => {
      const run = await runCli(['batch-status', batchId, '--json'], env);
      const parsed = JSON.parse(run.stdout) as { counts: { total: number; running: number; skipped: number; queued: number } };
      return parsed.counts.running === 0 ? parsed : undefined;
    },
    90_000,
    1_000,
  );
  expect(final.counts).toMatchObject({ total: 4, queued: 0, skipped: answer.skipped });
  // Skipped items were never paid for: only the ones that ran have a Rivya task.
  expect(await tasksOf(batchId)).toHaveLength(4 - answer.skipped);

  const again = await runCli(['batch-cancel', batchId], env);
  expect(again.code).toBe(2);
  expect(await runCli(['batch-status', 'no-such-batch'], env)).toMatchObject({ code: 2 });
}, 240_000);
