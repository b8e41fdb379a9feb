/** Orchestration overhead: the same task and poll interval as a plain script and as the workflow. */
import { startSora2Generation } from '../../src/client/helpers';
import { RivyaClient } from '../../src/rivya';
import { DEFAULT_SIMULATOR_API_KEY } from '../../simulator/index';
import { nextPollDelayMs } from '../../workflows/generation/polling-schedule';
import { pollingOptionsSchema } from '../../workflows/generation/input';
import { mapWithLimit, type BenchEnvironment } from '../environment';
import { median, percentile, round } from '../stats';
import { sleep } from './shared';

export interface OverheadResult {
  generations: number;
  taskSeconds: number;
  intervalMs: number;
  plainP50S: number;
  workflowP50S: number;
  overheadP50S: number;
  overheadP95S: number;
  /** Every generation's end-to-end seconds, for the interval of the p50 difference. */
  plainS?: number[];
  workflowS?: number[];
}

/**
 * Orchestration overhead: the same fixed-length task and the same fixed poll interval, once as a
 * plain script and once as the workflow, in real time (no compression): the difference is what
 * Temporal adds end to end.
 */
export async function runOverhead(bench: BenchEnvironment, generations: number): Promise<OverheadResult> {
  const taskMs = 3_000;
  const intervalMs = 500;
  const timing = {
    queuedMs: [taskMs / 3, taskMs / 3] as [number, number],
    processingMs: { default: [(2 * taskMs) / 3, (2 * taskMs) / 3] as [number, number] },
    timeScale: 1,
  };
  const polling = { firstCheckAfterMs: intervalMs, minIntervalMs: intervalMs, maxIntervalMs: intervalMs, jitterFraction: 0 };

  await bench.resetSimulator({ seed: 5, initialCredits: 1e9, timing });
  const client = new RivyaClient({ apiKey: DEFAULT_SIMULATOR_API_KEY, baseUrl: bench.simulator.url });
  const plain = await mapWithLimit(
    Array.from({ length: generations }, (_, i) => i),
    10,
    async (i) => {
      const started = Date.now();
      const { task } = await client.createGeneration(
        { model: 'sora-2', prompt: `[sim:succeed] o${i}`, params: {} },
        { idempotencyKey: `overhead-plain-${started}-${i}` },
      );
      for (let polls = 0; ; polls += 1) {
        await sleep(
          nextPollDelayMs(
            {
              elapsedMs: Date.now() - started,
              pollsSoFar: polls,
              overduePolls: 0,
              expectedMs: taskMs,
              remainingBeforeDeadlineMs: 1e9,
              jitterKey: '',
            },
            pollingOptionsSchema.parse(polling),
          ),
        );
        const current = await client.getGeneration(task.id);
        if (current.status === 'succeeded') break;
      }
      return (Date.now() - started) / 1000;
    },
  );

  await bench.resetSimulator({ seed: 5, initialCredits: 1e9, timing });
  const workflow = await mapWithLimit(
    Array.from({ length: generations }, (_, i) => i),
    10,
    async (i) => {
      const started = Date.now();
      const handle = await startSora2Generation(
        bench.client,
        { prompt: `[sim:succeed] o${i}`, polling, searchAttributes: false },
        { workflowId: `overhead-${started}-${i}`, taskQueue: bench.taskQueue },
      );
      await handle.result();
      return (Date.now() - started) / 1000;
    },
  );
  const differences = workflow.map((w, i) => w - plain[i]!);
  return {
    generations,
    taskSeconds: taskMs / 1000,
    intervalMs,
    plainP50S: round(median(plain)),
    workflowP50S: round(median(workflow)),
    overheadP50S: round(median(workflow) - median(plain)),
    overheadP95S: round(percentile(differences, 95)),
    plainS: plain.map((v) => round(v, 3)),
    workflowS: workflow.map((v) => round(v, 3)),
  };
}
