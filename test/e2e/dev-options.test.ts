/**
 * Issue #27 items 5 and 7, `rivya-sora2 dev` as a newcomer runs it (the built binary): a reference
 * that is not an image is refused before anything starts and is not copied; a busy port is said;
 * the in-memory server says runs are lost at Ctrl-C and `--db-file` keeps them across restarts;
 * `--credits N` simulates a small (here empty) wallet.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli-process';
import { startDevRun, type DevRun } from '../helpers/dev-run';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'rivya-dev-options-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

test('dev --reference README.md: refused by its bytes (exit 2), nothing copied, nothing started', async () => {
  writeFileSync(join(cwd, 'README.md'), '# my project\n');
  const run = await runCli(['dev', '--port', '0', '--ui-port', '0', '--reference', 'README.md', '--once'], cleanEnv(), 30_000, cwd);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--reference README.md: not a JPEG, PNG or WebP image (checked by its signature, not its name)');
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/Temporal dev server:|copied/);
  const references = join(cwd, '.rivya-dev', 'references');
  expect(existsSync(references) ? readdirSync(references) : []).not.toContain('README.md');
});

async function listening(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

test('dev with its port busy and --credits 0: says which port it took, that runs live in memory, and the wallet is empty', async () => {
  const busy = await listening();
  let dev: DevRun | undefined;
  try {
    dev = await startDevRun(['--port', String(busy.port), '--credits', '0'], cleanEnv(), cwd);
    const output = dev.output();
    expect(output).toContain(`port ${busy.port} is busy (another Temporal server?): this one listens on `);
    expect(dev.temporalAddress).not.toBe(`127.0.0.1:${busy.port}`);
    expect(output).toMatch(/in memory: every run and its history is lost at Ctrl-C; keep them with --db-file /);
    expect(output).toContain('simulated wallet: 0 credits (--credits)');
    // The first generation meets the empty wallet: refused by Rivya, nothing paid.
    expect(output).toMatch(/failed: GenerationRejected: /);

    const items = join(cwd, 'items.jsonl');
    writeFileSync(items, `${JSON.stringify({ prompt: '[sim:succeed] one' })}\n`);
    const batch = await runCli(['batch', '--file', items, '--wait'], cleanEnv({ TEMPORAL_ADDRESS: dev.temporalAddress }));
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain("failed: BudgetExceeded: the 1 items cost 6 credits, more than the wallet's 0; nothing was started");
  } finally {
    await dev?.dev.stop('SIGINT');
    busy.server.close();
  }
}, 180_000);

test('dev --db-file keeps the runs: a generation of one dev is still there in the next', async () => {
  const first = await runCli(['dev', '--port', '0', '--ui-port', '0', '--db-file', 'runs.db', '--once'], cleanEnv(), 150_000, cwd);
  expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
  expect(first.stdout).toContain(`runs kept in ${join(cwd, 'runs.db')} (--db-file)`);
  expect(first.stdout).not.toContain('in memory');
  const workflowId = /First generation: (\S+)/.exec(first.stdout)?.[1];
  expect(workflowId).toBeDefined();
  expect(existsSync(join(cwd, 'runs.db'))).toBe(true);

  const again = await startDevRun(['--db-file', 'runs.db'], cleanEnv(), cwd);
  try {
    const status = await runCli(['status', workflowId!], cleanEnv({ TEMPORAL_ADDRESS: again.temporalAddress }));
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`workflow ${workflowId}: succeeded (Temporal status COMPLETED)`);
  } finally {
    await again.dev.stop('SIGINT');
  }
}, 300_000);
