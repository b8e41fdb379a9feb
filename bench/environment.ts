/**
 * The embedded stack a benchmark runs on: the real dev server, the simulator, the bench's webhook
 * endpoint and receiver, and the worker as its own process (so its CPU and memory are measured
 * alone). The worker is restarted per distribution with that distribution's prior scale.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startRivyaSimulator, DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator, type StartSimulatorOptions } from '../src/simulator';
import { ensureTemporalCli } from '../src/temporal-cli';
import { startDevServer } from '../src/temporal-cli/dev-server';
import { startBenchWebhooks, type BenchWebhooks } from './webhook-receiver';

export interface BenchWorker {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface BenchEnvironment {
  env: TestWorkflowEnvironment;
  client: Client;
  simulator: RivyaSimulator;
  /** The current worker process (replaced by restartWorker). */
  worker: BenchWorker;
  webhooks: BenchWebhooks;
  taskQueue: string;
  /** A fresh worker process: nothing learned, the built-in expectations scaled by `priorScale`. */
  restartWorker(priorScale: number): Promise<void>;
  /**
   * Resets the simulator (which forgets webhook endpoints); with `webhooks`, registers the bench's
   * endpoint again, else no delivery is sent at all.
   */
  resetSimulator(patch: Parameters<RivyaSimulator['reset']>[0], options?: { webhooks?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** bench/bench-worker.ts as a child process; resolves once it polls its task queue. */
async function spawnBenchWorker(options: {
  temporalAddress: string;
  taskQueue: string;
  rivyaBaseUrl: string;
  priorScale: number;
  extraEnv: Record<string, string>;
}): Promise<BenchWorker> {
  const child = spawn(process.execPath, [join(__dirname, 'bench-worker.js')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY,
      RIVYA_BASE_URL: options.rivyaBaseUrl,
      RIVYA_TASK_QUEUE: options.taskQueue,
      RIVYA_BENCH_PRIOR_SCALE: String(options.priorScale),
      ...options.extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench worker did not start:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('polling task queue')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`bench worker exited early:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

export async function startBenchEnvironment(
  simulatorOptions: StartSimulatorOptions = {},
  workerEnv: Record<string, string> = {},
  priorScale = 1,
): Promise<BenchEnvironment> {
  const executable = await ensureTemporalCli({ allowSdkDownload: true, log: (line) => console.error(line) });
  const env = await startDevServer({ executable });
  const simulator = await startRivyaSimulator({ port: 0, initialCredits: 1e9, ...simulatorOptions });
  const taskQueue = 'bench';
  const start = (scale: number) =>
    spawnBenchWorker({ temporalAddress: env.address, taskQueue, rivyaBaseUrl: simulator.url, priorScale: scale, extraEnv: workerEnv });
  const webhooks = await startBenchWebhooks(simulator, env.client);
  const bench: BenchEnvironment = {
    env,
    client: env.client,
    simulator,
    worker: await start(priorScale),
    webhooks,
    taskQueue,
    async restartWorker(scale) {
      await bench.worker.kill('SIGTERM');
      bench.worker = await start(scale);
    },
    async resetSimulator(patch, options = {}) {
      simulator.reset(patch);
      webhooks.routeTo(new Map());
      if (options.webhooks) await webhooks.register();
    },
    async close() {
      await bench.worker.kill('SIGTERM');
      await webhooks.close();
      await simulator.close();
      await env.teardown();
    },
  };
  return bench;
}

/** Runs `fn` over `items` with at most `limit` in flight (bounded start rates at scale). */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!, index);
      }
    }),
  );
  return results;
}
