/**
 * The packaged production worker (`dist/src/worker/main.js`) as a child process, so tests and
 * benchmarks can SIGKILL it mid-flight, restart it, and measure its CPU and memory on their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../package-root';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnWorkerProcess(options: {
  temporalAddress: string;
  taskQueue: string;
  rivyaBaseUrl: string;
  apiKey: string;
  extraEnv?: Record<string, string>;
}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist', 'src', 'worker', 'main.js')], {
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
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 60_000);
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
      child.kill(signal);
      return exited;
    },
  };
}
