/** Helpers more than one scenario uses: starting generations, history times, the status-query window. */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startSora2Generation } from '../../src/client/helpers';
import { sora2StatusQuery } from '../../workflows/generation/messages';
import { expectedDurationMs } from '../../workflows/generation/polling-schedule';
import type { Sora2GenerationInput } from '../../workflows/generation/input';
import type { Sora2GenerationResult } from '../../workflows/generation/sora2-generation';
import { mapWithLimit, type BenchEnvironment } from '../environment';
import { scaledPolling, type Policy } from '../policies';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A history event time (or a duration) in milliseconds. */
export const eventMillis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;

export type History = temporal.api.history.v1.IHistory;

/** Generations alternate 10 and 15 frames, so every row sees both task lengths. */
export const nFramesOf = (i: number) => (i % 2 === 0 ? '10' : '15');

/** `generations` workflows of one policy, 50 started at a time, each awaited to its result. */
export async function startWorkflows(
  bench: BenchEnvironment,
  policy: Policy,
  prefix: string,
  generations: number,
  timeScale: number,
): Promise<Sora2GenerationResult[]> {
  return mapWithLimit(
    Array.from({ length: generations }, (_, i) => i),
    50,
    async (i) => {
      const nFrames = nFramesOf(i);
      const input: Sora2GenerationInput = {
        prompt: `[sim:succeed] bench ${i}`,
        params: { n_frames: nFrames },
        polling: scaledPolling(policy, timeScale, expectedDurationMs('sora-2', nFrames, {})),
        completion: { webhooks: policy.webhooks ?? false },
        // The receiver finds a task's workflow by its RivyaTaskId search attribute: on for webhook rows only.
        searchAttributes: policy.webhooks ?? false,
      };
      const handle = await startSora2Generation(bench.client, input, { workflowId: `${prefix}-${i}`, taskQueue: bench.taskQueue });
      return (await handle.result()) as Sora2GenerationResult;
    },
  );
}

/**
 * Status queries to random workflows of `ids`, one every 200 ms until `windowEnd` (epoch ms): their
 * latencies, and the queries that timed out or failed (a saturated stack answers "query timed out
 * before a worker could process it"). `skip`: ids no longer worth querying (ended workflows).
 */
export async function sampleStatusQueries(
  client: Client,
  ids: readonly string[],
  windowEnd: number,
  skip: (id: string) => boolean = () => false,
): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  while (Date.now() < windowEnd) {
    const id = ids[Math.floor(Math.random() * ids.length)]!;
    if (!skip(id)) {
      const t0 = performance.now();
      try {
        await client.workflow.getHandle(id).query(sora2StatusQuery);
        latencies.push(performance.now() - t0);
      } catch {
        failures += 1;
      }
    }
    await sleep(200);
  }
  return { latencies, failures };
}
