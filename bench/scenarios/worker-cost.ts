/** Worker CPU and memory per generation, each policy alone on fixed-length tasks in real time. */
import type { BenchEnvironment } from '../environment';
import type { Policy } from '../policies';
import { ProcessSampler } from '../process-sampler';
import { round } from '../stats';
import { startWorkflows } from './shared';

export interface WorkerCostResult {
  policy: string;
  generations: number;
  taskSeconds: number;
  workerCpuMsPerGeneration: number;
  workerPeakRssMb: number;
  /** CPU ms per generation in each round, and this policy's position (1 = first) in each round. */
  perRoundCpuMsPerGeneration?: number[];
  positions?: number[];
}

/**
 * Worker CPU and memory per generation, each policy alone (fixed-length tasks, real time). The
 * worker is long-lived, so position matters (JIT warm-up, heap growth): the order is rotated every
 * round, so each policy runs first, middle and last, and the per-round figures are kept.
 */
export async function runWorkerCost(
  bench: BenchEnvironment,
  policies: readonly Policy[],
  generationsPerRound: number,
  rounds: number,
  taskSeconds: number,
  log: (line: string) => void = () => undefined,
): Promise<WorkerCostResult[]> {
  const taskMs = taskSeconds * 1000;
  // Real time: the built-in expectations unscaled; the expectation is given in the input anyway.
  await bench.restartWorker(1);
  const totals = policies.map(() => ({ cpuMs: 0, generations: 0, peakRss: 0, perRound: [] as number[], positions: [] as number[] }));
  for (let r = 0; r < rounds; r += 1) {
    const order = policies.map((_, i) => (i + r) % policies.length);
    for (const [position, index] of order.entries()) {
      const policy = policies[index]!;
      log(`worker cost round ${r + 1}/${rounds}: "${policy.name}" (position ${position + 1})`);
      await bench.resetSimulator(
        {
          seed: 13 + r,
          failureRate: 0,
          initialCredits: 1e9,
          timing: { queuedMs: [0, 0], processingMs: { default: [taskMs, taskMs] }, timeScale: 1 },
        },
        { webhooks: policy.webhooks },
      );
      const prefix = `cost-${policy.name.replace(/\W+/g, '')}-${r}-${Date.now()}-`;
      bench.webhooks.routeTo(new Map(policy.webhooks ? [[prefix, policy.webhookDropRate ?? 0]] : []));
      const sampler = new ProcessSampler(bench.worker.child.pid!);
      await startWorkflows(
        bench,
        { ...policy, expectation: 'input', polling: { ...policy.polling, expectedDurationMs: taskMs } },
        prefix,
        generationsPerRound,
        1,
      );
      const usage = sampler.stop();
      const total = totals[index]!;
      total.cpuMs += usage.cpuMs;
      total.generations += generationsPerRound;
      total.peakRss = Math.max(total.peakRss, usage.peakRssBytes);
      total.perRound.push(round(usage.cpuMs / generationsPerRound, 1));
      total.positions.push(position + 1);
    }
  }
  return policies.map((policy, index) => {
    const total = totals[index]!;
    return {
      policy: policy.name,
      generations: total.generations,
      taskSeconds,
      workerCpuMsPerGeneration: round(total.cpuMs / total.generations, 1),
      workerPeakRssMb: round(total.peakRss / 2 ** 20, 0),
      perRoundCpuMsPerGeneration: total.perRound,
      positions: total.positions,
    };
  });
}
