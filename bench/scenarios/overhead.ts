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
  /** Rounds, each running both sides one after the other; which side went first in each. */
  roundOrder?: Array<'plain first' | 'workflow first'>;
}

/**
 * The task and poll interval both sides share. The interval is the workflow's 1 s floor
 * (INPUT_LIMITS.minPollIntervalMs): a shorter one would run at 1 s on the workflow side only. The
 * task (3.4 s) lies off the 1 s poll grid, so neither side's detection sits on a boundary where a
 * few milliseconds of scheduling decide between two polls (a bimodal distribution).
 */
const TASK_MS = 3_400;
const INTERVAL_MS = 1_000;
const ROUNDS = 4;

/**
 * Orchestration overhead: the same fixed-length task and the same fixed poll interval, as a plain
 * script and as the workflow, in real time (no compression): the difference is what Temporal adds
 * end to end. In rounds, the side that goes first alternating, so neither always meets a warmer
 * server; the i-th generations of both sides in a round form a pair.
 */
export async function runOverhead(bench: BenchEnvironment, generations: number): Promise<OverheadResult> {
  const timing = {
    queuedMs: [TASK_MS / 3, TASK_MS / 3] as [number, number],
    processingMs: { default: [(2 * TASK_MS) / 3, (2 * TASK_MS) / 3] as [number, number] },
    timeScale: 1,
  };
  const polling = { firstCheckAfterMs: INTERVAL_MS, minIntervalMs: INTERVAL_MS, maxIntervalMs: INTERVAL_MS, jitterFraction: 0 };
  const client = new RivyaClient({ apiKey: DEFAULT_SIMULATOR_API_KEY, baseUrl: bench.simulator.url });

  const plainSide = async (indexes: number[]) => {
    await bench.resetSimulator({ seed: 5, initialCredits: 1e9, timing });
    return mapWithLimit(indexes, 10, async (i) => {
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
              expectedMs: TASK_MS,
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
    });
  };
  const workflowSide = async (indexes: number[]) => {
    await bench.resetSimulator({ seed: 5, initialCredits: 1e9, timing });
    return mapWithLimit(indexes, 10, async (i) => {
      const started = Date.now();
      const handle = await startSora2Generation(
        bench.client,
        { prompt: `[sim:succeed] o${i}`, polling, searchAttributes: false },
        { workflowId: `overhead-${started}-${i}`, taskQueue: bench.taskQueue },
      );
      await handle.result();
      return (Date.now() - started) / 1000;
    });
  };

  const plain: number[] = [];
  const workflow: number[] = [];
  const roundOrder: OverheadResult['roundOrder'] = [];
  const perRound = Math.ceil(generations / ROUNDS);
  for (let roundIndex = 0; roundIndex * perRound < generations; roundIndex += 1) {
    const first = roundIndex * perRound;
    const indexes = Array.from({ length: Math.min(perRound, generations - first) }, (_, i) => first + i);
    const plainFirst = roundIndex % 2 === 0;
    roundOrder.push(plainFirst ? 'plain first' : 'workflow first');
    if (plainFirst) {
      plain.push(...(await plainSide(indexes)));
      workflow.push(...(await workflowSide(indexes)));
    } else {
      workflow.push(...(await workflowSide(indexes)));
      plain.push(...(await plainSide(indexes)));
    }
  }
  const differences = workflow.map((w, i) => w - plain[i]!);
  return {
    generations,
    taskSeconds: TASK_MS / 1000,
    intervalMs: INTERVAL_MS,
    plainP50S: round(median(plain)),
    workflowP50S: round(median(workflow)),
    overheadP50S: round(median(workflow) - median(plain)),
    overheadP95S: round(percentile(differences, 95)),
    plainS: plain.map((v) => round(v, 3)),
    workflowS: workflow.map((v) => round(v, 3)),
    roundOrder,
  };
}
