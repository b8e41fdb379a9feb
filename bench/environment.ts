/**
 * The embedded stack a benchmark runs on: the real dev server, the simulator, and the packaged
 * worker as its own process (so its CPU and memory are measured alone).
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startRivyaSimulator, DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator, type StartSimulatorOptions } from '../src/simulator';
import { ensureTemporalCli } from '../src/temporal-cli';
import { startDevServer } from '../src/temporal-cli/dev-server';
import { spawnWorkerProcess, type WorkerProcess } from '../src/testing/worker-process';

export interface BenchEnvironment {
  env: TestWorkflowEnvironment;
  client: Client;
  simulator: RivyaSimulator;
  worker: WorkerProcess;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startBenchEnvironment(
  simulatorOptions: StartSimulatorOptions = {},
  workerEnv: Record<string, string> = {},
): Promise<BenchEnvironment> {
  const executable = await ensureTemporalCli({ allowSdkDownload: true, log: (line) => console.error(line) });
  const env = await startDevServer({ executable });
  const simulator = await startRivyaSimulator({ port: 0, initialCredits: 1e9, ...simulatorOptions });
  const taskQueue = 'bench';
  const worker = await spawnWorkerProcess({
    temporalAddress: env.address,
    taskQueue,
    rivyaBaseUrl: simulator.url,
    apiKey: DEFAULT_SIMULATOR_API_KEY,
    extraEnv: workerEnv,
  });
  return {
    env,
    client: env.client,
    simulator,
    worker,
    taskQueue,
    async close() {
      await worker.kill('SIGTERM');
      await simulator.close();
      await env.teardown();
    },
  };
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
