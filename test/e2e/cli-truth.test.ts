/**
 * Issue #27 items 5 and 7, as users run the CLI: the built binary against its own `dev` stack
 * (real dev server, simulator, worker). Outcomes that tell the truth: a batch an operator cancelled
 * is not "succeeded", a batch refused after its start is reported by `batch` itself (and
 * `batch-status` tells its typed failure), a webhook wait shows the last known status, a refusal
 * is said once, usage mistakes exit 2; and the small things: a batch file's mistakes at once by
 * line and key, "wallet" when no budget was given, the bar's last line complete, rows in input
 * order, saved names without %2F.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, runCli } from '../helpers/cli-process';
import { useDevRun } from '../helpers/dev-run';
import { nextId as id } from '../helpers/ids';
import { waitFor } from '../helpers/simulator';

const dev = useDevRun('cli-truth');
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = dev.env;
});

function itemsFile(items: unknown[], raw: string[] = []): string {
  const path = join(dev.cwd, `${id('items')}.jsonl`);
  writeFileSync(path, `${[...items.map((item) => JSON.stringify(item)), ...raw].join('\n')}\n`);
  return path;
}

async function tasksOf(batchId: string): Promise<unknown[]> {
  const stats = await dev.simulatorRead<{ tasks: { idempotencyKey: string | null }[] }>('/_simulator/stats');
  return stats.tasks.filter((task) => task.idempotencyKey?.startsWith(`${batchId}/`));
}

test('generate without --prompt is a usage mistake: exit 2, like every invalid input', async () => {
  const run = await runCli(['generate'], env);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("required option '-p, --prompt <text>' not specified");
  expect((await runCli(['no-such-command'], env)).code).toBe(2);
  expect((await runCli(['--version'], env)).code).toBe(0);
});

test('a rejected reference: the reason is printed once', async () => {
  const run = await runCli(['generate', '--prompt', '[sim:succeed] a kite', '--reference', 'nope.png', '--wait'], env);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^failed: ValidationFailed: reference rejected$/m);
  expect(run.stderr.match(/no such file in the worker's reference directory/g)).toHaveLength(1);
});

test('batch without --wait refused by the budget: reported with exit 2; batch-status and status tell the typed failure', async () => {
  const batchId = id('truth-over');
  const file = itemsFile([{ prompt: '[sim:succeed] one' }, { prompt: '[sim:succeed] two' }]);
  const started = await runCli(['batch', '--file', file, '--budget', '1', '--batch-id', batchId], env);
  expect({ code: started.code, stderr: started.stderr }).toMatchObject({ code: 2 });
  expect(started.stderr).toMatch(/^failed: BudgetExceeded: the 2 items cost 12 credits, more than the budget of 1; nothing was started$/m);
  expect(started.stderr).toContain('  required: 12 credits');
  expect(started.stdout).toBe('');

  const batchStatus = await runCli(['batch-status', batchId], env);
  expect(batchStatus.code).toBe(2);
  expect(batchStatus.stdout).toContain(`batch ${batchId}: failed (Temporal status FAILED)`);
  expect(batchStatus.stdout).toContain('failed: BudgetExceeded: ');
  expect(`${batchStatus.stdout}${batchStatus.stderr}`).not.toMatch(/register a handler|Registered queries/);
  const json = await runCli(['batch-status', batchId, '--json'], env);
  expect(JSON.parse(json.stdout)).toMatchObject({ type: 'BudgetExceeded', details: { required: 12, budget: 1 } });

  const status = await runCli(['status', batchId], env);
  expect(status.code).toBe(2);
  expect(status.stdout).toContain(`batch ${batchId}: failed (Temporal status FAILED)`);
  expect(await tasksOf(batchId)).toHaveLength(0);
});

test('status of a batch an operator cancelled says so, with its counts, and exits 1', async () => {
  const batchId = id('truth-cancelled');
  const { timing } = await dev.simulatorRead<{ timing: unknown }>('/_simulator/config');
  // Queued for a minute: nothing finishes before the operator's cancel.
  await dev.simulatorAdmin('/_simulator/config', { timing: { queuedMs: [60_000, 60_000] } });
  try {
    const prompts = Array.from({ length: 8 }, (_, i) => ({ key: `clip-${i + 1}`, prompt: `[sim:succeed] clip ${i + 1}` }));
    const started = await runCli(['batch', '--file', itemsFile(prompts), '--batch-id', batchId, '--concurrency', '2'], env);
    expect({ code: started.code, stderr: started.stderr }).toMatchObject({ code: 0 });
    expect(started.stdout.trim()).toBe(batchId);
    await waitFor(async () => ((await tasksOf(batchId)).length === 2 ? true : undefined), 30_000, 300);
    const cancel = await runCli(['batch-cancel', batchId, '--cancel-running'], env);
    expect(cancel.code).toBe(0);
  } finally {
    await dev.simulatorAdmin('/_simulator/config', { timing });
  }
  const status = await waitFor(
    async () => {
      const run = await runCli(['status', batchId], env);
      return run.stdout.includes('RUNNING') ? undefined : run;
    },
    60_000,
    500,
  );
  expect(status.stdout).toContain(`batch ${batchId}: cancelled by an operator (Temporal status COMPLETED)`);
  expect(status.stdout).toMatch(/^ {2}0 of 8 succeeded, 0 failed, 2 cancelled, 6 skipped; \d+ credits spent$/m);
  expect(status.stdout).not.toMatch(/succeeded \(/);
  expect(status.code).toBe(1);
}, 120_000);

test('a batch file with several mistakes: all named in one run, by line and key; nothing starts', async () => {
  const bad = await runCli(['batch', '--file', itemsFile([{ prompt: 'fine' }], ['{not json', '[1]']), '--wait'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/\.jsonl:2: not JSON; \S+\.jsonl:3: must be a JSON object/);

  const batchId = id('truth-invalid');
  const file = itemsFile([{ key: 'ok', prompt: 'fine' }, { prompt: '' }, { key: 'clip-3', prompt: 'x', model: 'sora-9' }]);
  const invalid = await runCli(['batch', '--file', file, '--batch-id', batchId], env);
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain('error: invalid batch input, nothing started (2 issue(s)):');
  expect(invalid.stderr).toMatch(/\.jsonl:2 \(key "1", items\.1\.prompt\): /);
  expect(invalid.stderr).toMatch(/\.jsonl:3 \(key "clip-3", items\.2\.model\): /);
  expect(await tasksOf(batchId)).toHaveLength(0);
});

test('batch --wait: the last progress line is complete, rows in input order, "wallet" without a budget, names without %2F', async () => {
  const batchId = id('launch');
  const keys = ['clip-03', 'clip-01', 'clip-02', 'clip-10'];
  const file = itemsFile(keys.map((key) => ({ key, prompt: `[sim:succeed] ${key}` })));
  const run = await runCli(
    ['batch', '--file', file, '--wait', '--batch-id', batchId, '--expected-duration', '8', '--save-to', 'videos'],
    env,
    180_000,
  );
  expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
  const progress = run.stderr.split('\n').filter((line) => / done \| /.test(line));
  expect(progress.at(-1)).toMatch(
    /^4\/4 done \| 4 ok, 0 failed \| 0 running, 0 queued \| 24 credits spent, 0 reserved of the wallet's \d+$/,
  );
  expect(run.stderr).not.toMatch(/reserved of \d/);
  const rows = run.stdout
    .split('\n')
    .filter((line) => /^clip-\d\d\s/.test(line))
    .map((line) => line.split(/\s+/)[0]);
  expect(rows).toEqual(keys);
  expect(run.stdout).toMatch(/24 credits spent \(wallet \d+\); /);
  const saved = readdirSync(join(dev.cwd, 'videos')).filter((name) => name.startsWith(batchId) && name.endsWith('.mp4'));
  expect(saved.sort()).toEqual(keys.map((key) => `${batchId}@${key}.mp4`).sort());
  expect(saved.join()).not.toContain('%2F');
  expect(run.stdout).toContain(join(dev.cwd, 'videos', `${batchId}@clip-01.mp4`));
  expect(existsSync(join(dev.cwd, 'videos', `${batchId}%2Fclip-01.mp4`))).toBe(false);
}, 240_000);

test('a generation completed by webhook: the wait says the remote status is the last one known', async () => {
  const run = await runCli(['generate', '--prompt', '[sim:succeed] by webhook', '--expected-duration', '8', '--wait'], env, 120_000);
  expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
  expect(run.stderr).toMatch(/\| task task_\S+ last known queued at \d\d:\d\d:\d\dZ \|/);
  expect(run.stderr).not.toMatch(/\| task task_\S+ queued \|/);
});

test("batch --wait on a terminal: the bar's last drawing is the final count, 5/5, above the table", () => {
  const batchId = id('truth-bar');
  const file = itemsFile(Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, prompt: `[sim:succeed] bar ${i}` })));
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols 200 rows 30; exec ${[process.execPath, CLI, 'batch', '--file', file, '--wait', '--batch-id', batchId, '--expected-duration', '8'].map(quote).join(' ')}`;
  // A real pseudo-terminal (util-linux `script`): the live bar, not the plain lines.
  const output = execFileSync('script', ['-qec', command, '/dev/null'], { env, encoding: 'utf8', timeout: 120_000 });
  // eslint-disable-next-line no-control-regex
  const drawn = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/[\r\n]+/);
  const bars = drawn.filter((line) => / done \| /.test(line));
  expect(bars.length).toBeGreaterThan(0);
  expect(bars.at(-1)).toMatch(/ 5\/5 done \| 5 ok, 0 failed \| 0 running, 0 queued \| /);
  const table = drawn.findIndex((line) => /^item\s+outcome\s+task/.test(line));
  expect(table).toBeGreaterThan(drawn.lastIndexOf(bars.at(-1)!));
});
