/** Throughput: many short generations at once, completed per second. */
import { startSora2Generation } from '../../src/client/helpers';
import { mapWithLimit, type BenchEnvironment } from '../environment';
import { ProcessSampler } from '../process-sampler';
import { round } from '../stats';

export interface ThroughputResult {
  generations: number;
  seconds: number;
  completedPerSecond: number;
  workerCpuMsPerGeneration: number;
}

/** Many short generations at once: how many the stack completes per second. */
export async function runThroughput(bench: BenchEnvironment, generations: number): Promise<ThroughputResult> {
  await bench.resetSimulator({
    seed: 3,
    initialCredits: 1e9,
    timing: { queuedMs: [100, 200], processingMs: { default: [200, 400] }, timeScale: 1 },
  });
  const polling = { firstCheckAfterMs: 300, minIntervalMs: 300, maxIntervalMs: 300 };
  const sampler = new ProcessSampler(bench.worker.child.pid!);
  const started = Date.now();
  await mapWithLimit(
    Array.from({ length: generations }, (_, i) => i),
    200,
    async (i) => {
      const handle = await startSora2Generation(
        bench.client,
        { prompt: `[sim:succeed] t${i}`, polling, searchAttributes: false },
        { workflowId: `throughput-${started}-${i}`, taskQueue: bench.taskQueue },
      );
      await handle.result();
    },
  );
  const seconds = (Date.now() - started) / 1000;
  const usage = sampler.stop();
  return {
    generations,
    seconds: round(seconds, 1),
    completedPerSecond: round(generations / seconds, 1),
    workerCpuMsPerGeneration: round(usage.cpuMs / generations, 1),
  };
}
