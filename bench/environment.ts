/**
 * The embedded stack a benchmark runs on: the real dev server, the simulator, the bench's webhook
 * endpoint and receiver, and the worker as its own process (so its CPU and memory are measured
 * alone). The worker is restarted per distribution with that distribution's prior scale.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startRivyaSimulator, DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator, type StartSimulatorOptions } from '../simulator/index';
import { ensureTemporalCli } from '../tools/temporal-cli';
import { startDevServer } from '../tools/temporal-cli/dev-server';
import { spawnWorkerProcess, type WorkerProcess } from '../tools/testing/worker-process';
import { startBenchWebhooks, type BenchWebhooks } from './webhook-receiver';

/** A worker process of the bench (kill: SIGKILL by default; SIGTERM drains, then SIGKILL after 20 s). */
export type BenchWorker = WorkerProcess;

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
function spawnBenchWorker(options: {
  temporalAddress: string;
  taskQueue: string;
  rivyaBaseUrl: string;
  priorScale: number;
  extraEnv: Record<string, string>;
}): Promise<BenchWorker> {
  return spawnWorkerProcess({
    script: join(__dirname, 'bench-worker.js'),
    temporalAddress: options.temporalAddress,
    taskQueue: options.taskQueue,
    rivyaBaseUrl: options.rivyaBaseUrl,
    apiKey: DEFAULT_SIMULATOR_API_KEY,
    extraEnv: { RIVYA_BENCH_PRIOR_SCALE: String(options.priorScale), ...options.extraEnv },
  });
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
