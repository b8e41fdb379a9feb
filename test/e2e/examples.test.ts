/**
 * The README's "Use it in your worker and backend" code is examples/, verbatim; CI type-checks the
 * files (tsconfig.json) and here runs them as users would: compiled (npm run build → dist/examples),
 * as real processes, importing the package by its name (Node's self-reference through `exports`),
 * against the real dev server and the simulator. Also: bundling a user's workflows module that
 * re-exports `rivya-sora2-temporal/workflow` gives no bundler warnings.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';
import { DEFAULT_SIMULATOR_API_KEY, FORCE_FAIL_MARKER, startRivyaSimulator, type RivyaSimulator } from '../../simulator/index';
import { runNode } from '../helpers/cli-process';
import { waitFor } from '../helpers/simulator';
import { startTestTemporal } from '../helpers/temporal-env';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const COMPILED = join(ROOT, 'dist', 'examples');
const SECTION = '## Use it in your worker and backend';

/** The ```ts blocks of the README section, each named by its first line (`// examples/<file>.ts — …`). */
function readmeBlocks(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('\n## ', start + SECTION.length);
  const section = readme.slice(start, next === -1 ? undefined : next);
  const blocks = new Map<string, string>();
  for (const [, code] of section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const name = /^\/\/ (examples\/(?:esm\/)?[\w.-]+\.m?ts)\b/.exec(code!)?.[1];
    if (!name) throw new Error(`a code block of "${SECTION}" does not name its file on its first line:\n${code}`);
    blocks.set(name, code!);
  }
  return blocks;
}

describe('README examples', () => {
  test('every code block of the section is an examples/ file, verbatim, and every file is shown', () => {
    const blocks = readmeBlocks();
    const files = [
      ...readdirSync(EXAMPLES).filter((name) => name.endsWith('.ts')),
      ...readdirSync(join(EXAMPLES, 'esm'))
        .filter((name) => name.endsWith('.mts'))
        .map((name) => `esm/${name}`),
    ];
    expect([...blocks.keys()].sort()).toEqual(files.map((name) => `examples/${name}`).sort());
    for (const [name, code] of blocks) expect({ name, code }).toEqual({ name, code: readFileSync(join(ROOT, name), 'utf8') });
  });

  test('examples import only the public entry points (and the SDK)', () => {
    for (const name of readdirSync(EXAMPLES).filter((file) => file.endsWith('.ts'))) {
      const specifiers = [...readFileSync(join(EXAMPLES, name), 'utf8').matchAll(/from '([^']+)'/g)].map(([, spec]) => spec!);
      for (const spec of specifiers)
        expect(spec).toMatch(/^(rivya-sora2-temporal(\/workflow|\/simulator)?|@temporalio\/[a-z-]+|\.\/[\w-]+)$/);
    }
  });
});

describe('the ES module example', () => {
  test('compiles as an ESM app (module node16) against the built package, found by its name', () => {
    // `npm run build` made dist/; the example resolves the package through its `exports`, as an app does.
    const run = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', join(EXAMPLES, 'esm', 'tsconfig.json'), '--noEmit'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('bundling a worker that re-exports rivya-sora2-temporal/workflow', () => {
  test('no bundler warnings or errors', async () => {
    // The example imports the package by name, so webpack resolves it through `exports` to dist/.
    expect(existsSync(join(ROOT, 'dist', 'src', 'workflow.js'))).toBe(true);
    const problems: string[] = [];
    const webpackWarnings: string[] = [];
    const collect = (level: LogLevel) => (message: string, meta?: LogMetadata) => {
      if (level === 'WARN' || level === 'ERROR') problems.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
    };
    const logger: Logger = {
      log: (level, message, meta) => collect(level)(message, meta),
      trace: collect('TRACE'),
      debug: collect('DEBUG'),
      info: collect('INFO'),
      warn: collect('WARN'),
      error: collect('ERROR'),
    };
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(EXAMPLES, 'workflows.ts'),
      logger,
      // Webpack warnings only show inside the INFO stats text: collect them from the compilation itself.
      webpackConfigHook: (config) => ({
        ...config,
        // Temporal's own config ignores "Failed to parse source map": count it here, it would mean a dangling map.
        ignoreWarnings: [],
        plugins: [
          ...(config.plugins ?? []),
          {
            apply: (compiler) =>
              compiler.hooks.done.tap('collect-warnings', (stats) => {
                webpackWarnings.push(...stats.compilation.warnings.map((warning) => warning.message));
              }),
          },
        ],
      }),
    });
    expect(code).toContain('sora2Generation');
    expect(problems).toEqual([]);
    expect(webpackWarnings).toEqual([]);
  });
});

describe('the compiled examples, as processes, against the dev server and the simulator', () => {
  let env: TestWorkflowEnvironment;
  let simulator: RivyaSimulator;
  let worker: ChildProcess;
  let workerExited: Promise<number | null>;
  let workerOutput = '';
  let baseEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    for (const file of ['worker.js', 'backend.js', 'workflows.js', 'activities.js']) {
      if (!existsSync(join(COMPILED, file))) throw new Error(`dist/examples/${file} missing: run npm run build`);
    }
    env = await startTestTemporal();
    // The simulator as the worker would meet it by default: its local-only key, fast tasks.
    simulator = await startRivyaSimulator({ timing: { queuedMs: [50, 100], processingMs: { default: [200, 300] } } });
    const referenceDir = mkdtempSync(join(tmpdir(), 'rivya-example-refs-'));
    copyFileSync(join(ROOT, 'assets', 'sample-reference.png'), join(referenceDir, 'sample-reference.png'));
    // Only what the examples read: nothing from the developer's environment points them elsewhere.
    baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: env.address };
    worker = spawn(process.execPath, [join(COMPILED, 'worker.js')], {
      env: { ...baseEnv, RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY, RIVYA_BASE_URL: simulator.url, RIVYA_REFERENCE_DIR: referenceDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
    workerExited = new Promise((resolve) => worker.on('exit', (code) => resolve(code)));
    await waitFor(() => (workerOutput.includes('worker: polling task queue rivya-sora2') ? true : undefined), 60_000, 100).catch((err) => {
      throw new Error(`${err}\n${workerOutput}`);
    });
  }, 120_000);

  /** SIGTERM, as a process manager stops it: the worker drains and exits (SIGKILL after 15 s). */
  async function stopWorker(): Promise<number | null> {
    if (worker.exitCode !== null) return worker.exitCode;
    worker.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      workerExited,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 15_000))),
    ]);
    clearTimeout(timer);
    if (code !== 'timeout') return code;
    worker.kill('SIGKILL');
    throw new Error(`the worker example did not stop on SIGTERM\n${workerOutput}`);
  }

  afterAll(async () => {
    if (worker) await stopWorker().catch(() => undefined);
    await simulator?.close();
    await env?.teardown();
  }, 60_000);

  // The simulator finishes in well under a second; the workflow's default schedule expects minutes.
  const backendEnv = () => ({ ...baseEnv, EXPECTED_DURATION_MS: '1000' });

  test('the backend completes a generation with the reference from the worker directory and a compensation registered', async () => {
    const run = await runNode(join(COMPILED, 'backend.js'), ['order-ok-1'], backendEnv());
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^succeeded: task \S+, \d+ credits, video http:\/\/127\.0\.0\.1:\d+\/\S+$/m);
    const stats = simulator.stats();
    expect(stats.tasksPerIdempotencyKey['video-order-ok-1']).toBe(1); // one id, one paid task
    expect(stats.files).toBe(1); // the reference, read from the worker's RIVYA_REFERENCE_DIR and uploaded
    // Nothing failed, so the pipeline's undo did not run.
    expect(workerOutput).not.toContain('releaseQuota: released quota-order-ok-1');
  });

  test('a failed task: the worker runs releaseQuota, the backend prints the typed outcome', async () => {
    const run = await runNode(join(COMPILED, 'backend.js'), ['order-fail-1', `A paper boat that sinks ${FORCE_FAIL_MARKER}`], backendEnv());
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(run.stdout).toMatch(/^GenerationFailed: .+; task \S+, credits refunded: true$/m);
    expect(run.stdout).toMatch(/^ {2}compensation releaseQuota: completed$/m);
    expect(run.stdout).toMatch(/^ {2}compensation reconcile-credits: completed$/m);
    expect(workerOutput).toMatch(/^releaseQuota: released quota-order-fail-1 for video-order-fail-1 \(failed, task \S+\)$/m);
  });

  test('invalid input is reported without starting anything', async () => {
    const run = await runNode(join(COMPILED, 'backend.js'), ['order-bad-1', '   '], backendEnv());
    expect(run).toMatchObject({ code: 2, stderr: '' });
    expect(run.stdout).toMatch(/^not started, invalid input: .*prompt/m);
  });

  test('the worker stops cleanly on SIGTERM', async () => {
    expect(await stopWorker()).toBe(0);
  });
});
