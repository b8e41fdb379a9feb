/**
 * A worker as a child process, so tests and benchmarks can SIGKILL it mid-flight, restart it, and
 * measure its CPU and memory on their own. The packaged production worker
 * (`dist/tools/worker/main.js`) by default; the bench passes its own entry point.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/internal/package-root';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Signals the worker (SIGKILL by default) and resolves with its exit code; a gentler signal is followed by SIGKILL after 20 s. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** How long a worker may take to start polling (it bundles its workflows if not prebuilt). */
const WORKER_START_TIMEOUT_MS = 60_000;
/** A worker asked to stop gently gets this long to drain before SIGKILL. */
const GRACEFUL_STOP_MS = 20_000;
/** Output kept for error messages: a long benchmark's worker logs must not grow without bound. */
const MAX_KEPT_OUTPUT_CHARS = 200_000;

export async function spawnWorkerProcess(options: {
  temporalAddress: string;
  taskQueue: string;
  rivyaBaseUrl: string;
  apiKey: string;
  extraEnv?: Record<string, string>;
  /** The worker's entry point; default: the packaged worker. */
  script?: string;
  /** How long it may take to start polling; default 60 s. */
  startTimeoutMs?: number;
}): Promise<WorkerProcess> {
  const script = options.script ?? join(packageRoot(), 'dist', 'tools', 'worker', 'main.js');
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      RIVYA_API_KEY: options.apiKey,
      RIVYA_BASE_URL: options.rivyaBaseUrl,
      RIVYA_TASK_QUEUE: options.taskQueue,
      ...options.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > MAX_KEPT_OUTPUT_CHARS) output = output.slice(-MAX_KEPT_OUTPUT_CHARS / 2);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start:\n${output}`)),
      options.startTimeoutMs ?? WORKER_START_TIMEOUT_MS,
    );
    const check = () => {
      if (output.includes('polling task queue')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`worker exited early:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const escalate = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), GRACEFUL_STOP_MS);
      const code = await exited;
      clearTimeout(escalate);
      return code;
    },
  };
}
