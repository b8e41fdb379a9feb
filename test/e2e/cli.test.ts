/**
 * The built CLI as users run it: child processes against the embedded stack that `dev` starts
 * (real dev server, simulator, worker).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIMULATOR_API_KEY } from '../../simulator/index';
import { waitFor } from '../helpers/simulator';
import { cleanEnv, runCli, startCli, type LongRunning } from '../helpers/cli-process';
import { startDevRun } from '../helpers/dev-run';

let dev: LongRunning;
let temporalAddress: string;
let simulatorUrl: string;
let simulatorAdminToken: string;
/** Where `dev` runs: its ./.rivya-dev (references, log) lands here, not in the repository. */
let devCwd: string;
const scratch: string[] = [];

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A loopback port that was free a moment ago (nothing listens on it). */
async function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The temp directories a dev run may create, by their prefix. */
function devTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('rivya-dev-'));
}

beforeAll(async () => {
  devCwd = scratchDir('rivya-cli-test-');
  // --port 0 asks for free ports, so this never collides with a developer's own dev server.
  ({ dev, temporalAddress, simulatorUrl, simulatorAdminToken } = await startDevRun([], cleanEnv(), devCwd));
}, 150_000);

afterAll(async () => {
  const code = await dev?.stop('SIGINT');
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

test('dev ran a first generation with the sample reference and printed its video URL', () => {
  expect(dev.output()).toMatch(/First generation: dev-/);
  expect(dev.output()).toMatch(/phase uploading-reference/);
  expect(dev.output()).toMatch(
    /Video: http:\/\/127\.0\.0\.1:\d+\/media\/videos\/task_\w+\.mp4 {3}\(the simulator's placeholder clip, the same for every prompt\)/,
  );
  expect(dev.output()).toMatch(/UI: http:\/\/127\.0\.0\.1:\d+/);
});

test('dev names its reference directory, log file and simulator key, and hints the matching expected duration', () => {
  const references = join(devCwd, '.rivya-dev', 'references');
  expect(dev.output()).toContain(`References: ${references}`);
  expect(existsSync(join(references, 'sample-reference.png'))).toBe(true);
  expect(dev.output()).toContain(`Log: ${join(devCwd, '.rivya-dev', 'dev.log')}`);
  expect(dev.output()).toContain(`simulator API key: ${DEFAULT_SIMULATOR_API_KEY}`);
  // The next generations should expect the simulator's timing (8 s), so their safety-net checks come early.
  expect(dev.output()).toMatch(/generate --prompt "\.\.\." --reference sample-reference\.png --expected-duration 8 --wait/);
});

test('dev completes its first generation by a signed webhook, and never prints the signing secret', () => {
  expect(dev.output()).toMatch(/Webhooks: receiver http:\/\/127\.0\.0\.1:\d+\/webhooks\/rivya, registered as whend_\w+/);
  // The safety net (2 × 8 s) is later than the simulator's 1–10 s tasks: the webhook is first.
  expect(dev.output()).toMatch(/completed by webhook, 0 status checks, /);
  expect(dev.output()).not.toContain('whsec_');
});

test('dev --once keeps the terminal tidy: no server banner, Go warnings or stack dumps; details in the named log; no temp dirs left', async () => {
  const cwd = scratchDir('rivya-cli-once-');
  const before = devTempDirs();
  const run = await runCli(
    ['dev', '--port', '0', '--ui-port', '0', '--once', '--prompt', '[sim:fail] a failure to keep tidy'],
    cleanEnv(),
    90_000,
    cwd,
  );
  const output = run.stdout + run.stderr;
  expect(run.code).toBe(1);
  expect(output).toMatch(/failed: GenerationFailed: /);
  const log = join(cwd, '.rivya-dev', 'dev.log');
  expect(output).toContain(`Log: ${log}`);
  // No stack frames, no SDK log dump, no Temporal CLI banner or Go log lines.
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/\[WARN\]|Activity failed|Workflow failed/);
  expect(output).not.toMatch(/CLI \d|^Server: |^Metrics: |level=(WARN|ERROR)|panic|goroutine|Stopping server/m);
  // They are in the log instead.
  const logged = readFileSync(log, 'utf8');
  expect(logged).toMatch(/Workflow failed|Activity failed/);
  expect(logged).toMatch(/\[temporal\] .*Server:/);
  expect(devTempDirs().filter((name) => !before.includes(name))).toEqual([]);
});

test('dev refuses a reference it cannot find before starting anything, naming the reference directory', async () => {
  const cwd = scratchDir('rivya-cli-ref-');
  const started = Date.now();
  const run = await runCli(['dev', '--once', '--reference', 'assets/nope.png'], cleanEnv(), 30_000, cwd);
  // A usage error (DevUsageError, a Sora2ConfigError): 2, as invalid input everywhere in the CLI.
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(`no such file in the reference directory ${join(cwd, '.rivya-dev', 'references')}`);
  expect(run.stderr).toMatch(/put the image in \S+ and pass its name/);
  expect(run.stdout).not.toMatch(/Temporal dev server/);
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('generate --wait succeeds and prints the video URL', async () => {
  const run = await runCli(
    [
      'generate',
      '--prompt',
      '[sim:succeed] a glass city at night',
      '--aspect-ratio',
      'portrait',
      '--workflow-id',
      'cli-ok',
      '--expected-duration',
      '6',
      '--wait',
    ],
    cleanEnv({ TEMPORAL_ADDRESS: temporalAddress }),
  );
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^succeeded: http:\/\/127\.0\.0\.1:\d+\/media\/videos\/task_\w+\.mp4$/m);
  expect(run.stderr).toMatch(/phase polling/);

  const status = await runCli(['status', 'cli-ok'], cleanEnv({ TEMPORAL_ADDRESS: temporalAddress }));
  expect(status.code).toBe(0);
  // status.ts words the state as `workflow <id>: succeeded` (older builds: the raw COMPLETED).
  expect(status.stdout).toMatch(/COMPLETED|: succeeded/);
  expect(status.stdout).toMatch(/"videoUrl"/);
});

test('a failing generation exits non-zero with its typed reason', async () => {
  const run = await runCli(
    ['generate', '--prompt', '[sim:fail] doomed', '--expected-duration', '6', '--wait'],
    cleanEnv({ TEMPORAL_ADDRESS: temporalAddress }),
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/failed: GenerationFailed/);
  expect(run.stderr).toMatch(/refunded true/);
});

test('invalid input exits with code 2 before anything starts', async () => {
  const run = await runCli(['generate', '--prompt', 'x', '--n-frames', '20', '--wait'], cleanEnv({ TEMPORAL_ADDRESS: temporalAddress }));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/params\.n_frames/);
});

test('cancel ends a running generation and reports the remote task', async () => {
  const env = cleanEnv({ TEMPORAL_ADDRESS: temporalAddress });
  const started = await runCli(['generate', '--prompt', '[sim:succeed] to be cancelled', '--workflow-id', 'cli-cancel'], env);
  expect(started.code).toBe(0);
  await waitFor(
    async () => {
      const status = await runCli(['status', 'cli-cancel'], env);
      return /"taskId": "task_/.test(status.stdout) ? true : undefined;
    },
    30_000,
    300,
  );
  const cancelled = await runCli(['cancel', 'cli-cancel'], env);
  expect(cancelled.code).toBe(0);
  expect(cancelled.stdout).toMatch(/failed: GenerationCancelled: cancelled; Rivya has no cancel endpoint, so task task_\w+ keeps running/);
});

test('worker exits cleanly on SIGTERM and a restarted worker finishes the work', async () => {
  const workerEnv = cleanEnv({
    TEMPORAL_ADDRESS: temporalAddress,
    RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY,
    RIVYA_BASE_URL: simulatorUrl,
    RIVYA_TASK_QUEUE: 'cli-worker',
    // Empty, as compose passes an unset `${VAR:-}`: the SDK's default cache, not a cache of 0.
    RIVYA_WORKER_MAX_CACHED_WORKFLOWS: '',
  });
  let worker = startCli(['worker'], workerEnv);
  await waitFor(() => (worker.output().includes('polling task queue "cli-worker"') ? true : undefined), 60_000, 100);
  // The built package starts from the workflow bundle made by `npm run build`, not webpack at start.
  expect(worker.output()).toMatch(/prebuilt workflow bundle; up to [1-9]\d* cached workflows/);
  expect(worker.output()).not.toMatch(/not reachable/);
  const env = cleanEnv({ TEMPORAL_ADDRESS: temporalAddress });
  expect(
    (
      await runCli(
        [
          'generate',
          '--prompt',
          '[sim:succeed] survives a redeploy',
          '--workflow-id',
          'cli-redeploy',
          '--task-queue',
          'cli-worker',
          '--expected-duration',
          '6',
        ],
        env,
      )
    ).code,
  ).toBe(0);
  await waitFor(
    async () => {
      const status = await runCli(['status', 'cli-redeploy'], env);
      return /"phase": "polling"/.test(status.stdout) ? true : undefined;
    },
    30_000,
    300,
  );

  expect(await worker.stop('SIGTERM')).toBe(0);
  expect(worker.output()).toMatch(/rivya-sora2 worker stopped/);
  expect((await runCli(['status', 'cli-redeploy'], env)).stdout).toMatch(/RUNNING/);

  // The restarted worker keeps no workflow in memory between tasks: every task replays the history.
  worker = startCli(['worker'], { ...workerEnv, RIVYA_WORKER_MAX_CACHED_WORKFLOWS: '0' });
  try {
    const waited = await runCli(
      [
        'generate',
        '--prompt',
        '[sim:succeed] survives a redeploy',
        '--workflow-id',
        'cli-redeploy',
        '--task-queue',
        'cli-worker',
        '--expected-duration',
        '6',
        '--wait',
      ],
      env,
    );
    expect(waited.code).toBe(0);
    expect(worker.output()).toMatch(/up to 0 cached workflows/);
    const stats = (await (
      await fetch(`${simulatorUrl}/_simulator/stats`, { headers: { Authorization: `Bearer ${simulatorAdminToken}` } })
    ).json()) as { tasksPerIdempotencyKey: Record<string, number> };
    expect(stats.tasksPerIdempotencyKey['cli-redeploy']).toBe(1);
  } finally {
    await worker.stop('SIGTERM');
  }
});

test('worker with a missing RIVYA_REFERENCE_DIR fails at start, naming the variable', async () => {
  const started = Date.now();
  const missing = join(tmpdir(), 'rivya-no-such-reference-dir');
  const run = await runCli(
    ['worker'],
    cleanEnv({
      TEMPORAL_ADDRESS: temporalAddress,
      RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY,
      RIVYA_BASE_URL: simulatorUrl,
      RIVYA_REFERENCE_DIR: missing,
    }),
    30_000,
  );
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/RIVYA_REFERENCE_DIR must be an existing directory the worker can read/);
  expect(run.stderr).toContain(`${missing}" does not exist`);
  expect(run.stdout).not.toMatch(/polling task queue/);
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('worker with an unreachable RIVYA_BASE_URL starts with a warning line, not a failure', async () => {
  const references = scratchDir('rivya-cli-refs-');
  const port = await unusedPort();
  const worker = startCli(
    ['worker'],
    cleanEnv({
      TEMPORAL_ADDRESS: temporalAddress,
      RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY,
      // A loopback port nobody listens on: refused at once.
      RIVYA_BASE_URL: `http://127.0.0.1:${port}`,
      RIVYA_REFERENCE_DIR: references,
      RIVYA_TASK_QUEUE: 'cli-unreachable',
    }),
  );
  try {
    await waitFor(() => (worker.output().includes('polling task queue "cli-unreachable"') ? true : undefined), 60_000, 100);
    // Says what "retrying" will cost: the create's bound.
    expect(worker.output()).toContain(
      `warning: Rivya API http://127.0.0.1:${port} is not reachable (ECONNREFUSED): generations will retry their create for up to 10 min and then fail`,
    );
  } finally {
    expect(await worker.stop('SIGTERM')).toBe(0);
  }
});

test('worker with a key Rivya refuses says so at start and exits 2, never printing the key', async () => {
  const run = await runCli(
    ['worker'],
    cleanEnv({
      TEMPORAL_ADDRESS: temporalAddress,
      RIVYA_API_KEY: 'rvya_sk_wrong_but_well_formed_0001',
      RIVYA_BASE_URL: simulatorUrl,
      RIVYA_REFERENCE_DIR: scratchDir('rivya-cli-refs-'),
      RIVYA_TASK_QUEUE: 'cli-wrong-key',
    }),
    60_000,
  );
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/refused the API key \(401 \w+\): every generation would fail before paying — check RIVYA_API_KEY/);
  expect(`${run.stdout}${run.stderr}`).not.toContain('wrong_but_well_formed');
  expect(run.stdout).not.toMatch(/polling task queue/);
});

test('worker with a good key says how many credits the wallet holds', async () => {
  const worker = startCli(
    ['worker'],
    cleanEnv({
      TEMPORAL_ADDRESS: temporalAddress,
      RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY,
      RIVYA_BASE_URL: simulatorUrl,
      RIVYA_REFERENCE_DIR: scratchDir('rivya-cli-refs-'),
      RIVYA_TASK_QUEUE: 'cli-good-key',
    }),
  );
  try {
    await waitFor(() => (worker.output().includes('polling task queue "cli-good-key"') ? true : undefined), 60_000, 100);
    expect(worker.output()).toMatch(
      new RegExp(`Rivya API ${simulatorUrl.replace(/[.]/g, '\\.')}: key accepted, \\d+ credits in the wallet`),
    );
  } finally {
    expect(await worker.stop('SIGTERM')).toBe(0);
  }
});

test('worker: an unreachable Temporal is named by its address, a malformed one is a usage error (exit 2)', async () => {
  const base = {
    RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY,
    RIVYA_BASE_URL: simulatorUrl,
    RIVYA_REFERENCE_DIR: scratchDir('rivya-cli-refs-'),
  };
  const down = await runCli(['worker'], cleanEnv({ ...base, TEMPORAL_ADDRESS: '127.0.0.1:1' }), 60_000);
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('cannot reach the Temporal server at 127.0.0.1:1 (is it running?');
  expect(down.stderr).not.toMatch(/tonic|transport::Error/);
  const malformed = await runCli(['worker'], cleanEnv({ ...base, TEMPORAL_ADDRESS: 'localhost:7233x' }), 60_000);
  expect(malformed.code).toBe(2);
  expect(malformed.stderr).toContain('the Temporal address must be host:port with a port from 1 to 65535 (got "localhost:7233x")');
});

test('worker configuration errors name the variable and never print the key', async () => {
  const run = await runCli(
    ['worker'],
    cleanEnv({
      TEMPORAL_ADDRESS: temporalAddress,
      RIVYA_API_KEY: 'sk_live_TOPSECRET_123',
      RIVYA_BASE_URL: 'not a url',
      RIVYA_WORKER_MAX_CACHED_WORKFLOWS: 'many',
    }),
  );
  // A configuration error is the caller's to fix: 2, as invalid input everywhere in the CLI.
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/RIVYA_API_KEY must look like rvya_sk_<secret>/);
  expect(run.stderr).toMatch(/RIVYA_BASE_URL must be a URL/);
  expect(run.stderr).toMatch(/RIVYA_WORKER_MAX_CACHED_WORKFLOWS must be a whole number/);
  expect(run.stdout + run.stderr).not.toContain('TOPSECRET');
});
