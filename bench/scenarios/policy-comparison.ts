/**
 * The waiting policies on realistic (time-compressed) durations, all at once beside the plain-script
 * floor: status calls, detection latency and history events per generation.
 */
import { RivyaClient } from '../../src/rivya';
import { DEFAULT_SIMULATOR_API_KEY } from '../../simulator/index';
import type { Sora2GenerationResult } from '../../workflows/generation/sora2-generation';
import { estimateActions } from '../actions';
import { mapWithLimit, type BenchEnvironment } from '../environment';
import { floorDistortion, policiesFor, type Policy } from '../policies';
import { median, percentile, round, slope } from '../stats';
import type { DurationDistribution } from './distributions';
import { eventMillis, nFramesOf, sleep, startWorkflows, type History } from './shared';

export interface PolicyResult {
  policy: string;
  standsFor: string;
  distribution: string;
  generations: number;
  statusCallsPerGeneration: number;
  /** Real-time equivalent seconds (compressed time divided by the time scale). */
  detectionLatencyP50S: number;
  detectionLatencyP95S: number;
  /** Every generation's detection latency (real-time seconds), for intervals and re-analysis. */
  detectionLatenciesS: number[];
  historyEventsPerGeneration: number;
  historyEventsPerPoll: number;
  /**
   * Billable Temporal Cloud Actions per generation, an estimate from each history (bench/actions.ts),
   * and per generation in the same order. Absent in results written before they were counted.
   */
  actionsPerGeneration?: number;
  actionsAll?: number[];
  /**
   * How late the dev server fired this policy's timers (fired − started − requested, real-time
   * seconds): p99 and worst. Late timers, not the schedule, are what stretch the p95 latencies.
   */
  timerLateP99S?: number;
  timerLateMaxS?: number;
  /** Per generation, in the same order: status calls and history events (for intervals). */
  statusCallsAll?: number[];
  historyEventsAll?: number[];
  /** The time scale this distribution ran at (compressed = real × scale). */
  timeScale?: number;
  /** Per generation: the round it ran in (0 = the first, on a fresh worker that had learned nothing). */
  roundOf?: number[];
  /** Generations that completed by a webhook event (the rest by a status check). */
  completedByWebhook?: number;
  /**
   * Detection latency of the generations completed by webhook, in wall-clock seconds as measured:
   * a delivery does not compress with the time scale, so it is not divided by it. (In
   * `detectionLatenciesS` these generations carry the same wall-clock figure; those completed by a
   * status check carry the real-time equivalent, compressed time divided by the scale.)
   */
  webhookLatenciesS?: number[];
  /** Per generation, in the same order: whether a webhook event completed it. */
  byWebhookAll?: boolean[];
  /** Waits the 1 s input floor raised at this time scale (empty: none). */
  floorDistortion?: string[];
  /** Where the schedule's expectation came from: the input, or the worker (learned / built-in guess × prior scale). */
  expectation?: 'input' | 'worker';
}

function simulatorTiming(distribution: DurationDistribution, timeScale: number) {
  const ms = ([a, b]: [number, number]) => [a * 1000, b * 1000] as [number, number];
  return {
    queuedMs: ms(distribution.queuedS),
    processingMs: {
      '10': ms(distribution.processingS['10']),
      '15': ms(distribution.processingS['15']),
      default: ms(distribution.processingS['10']),
    },
    timeScale,
  };
}

const PLAIN_PREFIX = 'plain';

/** The floor: a plain script that creates and polls every `intervalMs` (real), no Temporal. */
async function runPlainScripts(
  bench: BenchEnvironment,
  prefix: string,
  generations: number,
  timeScale: number,
  intervalMs: number,
): Promise<Map<string, number>> {
  const client = new RivyaClient({ apiKey: DEFAULT_SIMULATOR_API_KEY, baseUrl: bench.simulator.url });
  const detectedAt = new Map<string, number>();
  await mapWithLimit(
    Array.from({ length: generations }, (_, i) => i),
    generations,
    async (i) => {
      const { task } = await client.createGeneration(
        { model: 'sora-2', prompt: `[sim:succeed] plain ${i}`, params: { n_frames: nFramesOf(i) } },
        { idempotencyKey: `${prefix}-${i}` },
      );
      for (;;) {
        await sleep(intervalMs * timeScale);
        const current = await client.getGeneration(task.id);
        if (current.status === 'succeeded' || current.status === 'failed') break;
      }
      detectedAt.set(task.id, Date.now());
    },
  );
  return detectedAt;
}

/**
 * Every policy of a distribution (and the plain-script floor) at once: the same tasks' shape, the
 * same moment, only the waiting schedule differs. Costs are attributed per task by the simulator
 * (status reads) and per workflow by its history. The worker is restarted first with the
 * distribution's time scale as its prior scale: a fresh learner, the built-in guess compressed
 * like the tasks.
 */
export async function runPolicyComparison(
  bench: BenchEnvironment,
  distribution: DurationDistribution,
  generations: number,
  timeScale: number,
  rounds = 1,
  policies: readonly Policy[] = policiesFor(distribution.name),
): Promise<PolicyResult[]> {
  await bench.restartWorker(timeScale);
  const workflowRuns: Array<Array<Sora2GenerationResult & { reads: number }>> = policies.map(() => []);
  const workflowLatencies: number[][] = policies.map(() => []);
  const webhookLatencies: number[][] = policies.map(() => []);
  const eventCounts: number[][] = policies.map(() => []);
  const actionCounts: number[][] = policies.map(() => []);
  const timerLateness: number[][] = policies.map(() => []);
  const roundOf: number[][] = policies.map(() => []);
  const byWebhook: boolean[][] = policies.map(() => []);
  const plainReads: number[] = [];
  const plainLatencies: number[] = [];
  const anyWebhooks = policies.some((p) => p.webhooks);
  // Rounds pool more samples at the same load (one round = every policy at once, `generations` each).
  for (let round = 0; round < rounds; round += 1) {
    await bench.resetSimulator(
      { seed: 11 + round, failureRate: 0, initialCredits: 1e9, timing: simulatorTiming(distribution, timeScale) },
      { webhooks: anyWebhooks },
    );
    const stamp = Date.now();
    const prefixOf = (i: number) => `p${i}-${distribution.name}-${stamp}-`;
    bench.webhooks.routeTo(
      new Map(policies.flatMap((p, i) => (p.webhooks ? [[prefixOf(i), p.webhookDropRate ?? 0] as [string, number]] : []))),
    );
    const plainPrefix = `${PLAIN_PREFIX}-${distribution.name}-${stamp}`;
    const [runsOfRound, plainDetectedAt] = await Promise.all([
      Promise.all(policies.map((policy, i) => startWorkflows(bench, policy, prefixOf(i), generations, timeScale))),
      runPlainScripts(bench, plainPrefix, generations, timeScale, 5_000),
    ]);
    const tasks = bench.simulator.stats().tasks;
    const taskById = new Map(tasks.map((task) => [task.id, task]));
    const wallS = (doneAt: number, taskId: string) => (doneAt - Date.parse(taskById.get(taskId)!.terminalAt)) / 1000;
    for (const [index, runs] of runsOfRound.entries()) {
      const histories = await mapWithLimit(runs, 20, (r) => bench.client.workflow.getHandle(r.workflowId).fetchHistory());
      eventCounts[index]!.push(...histories.map((h) => h.events?.length ?? 0));
      actionCounts[index]!.push(...histories.map((h) => estimateActions(h.events ?? [])));
      timerLateness[index]!.push(...histories.flatMap((h) => timerLatenessMs(h).map((ms) => ms / 1000 / timeScale)));
      for (const r of runs) {
        const wall = wallS(Date.parse(r.timings.completedAt), r.taskId);
        // A webhook's delivery does not compress: its latency stays in wall-clock seconds.
        workflowLatencies[index]!.push(r.completedBy === 'webhook' ? wall : wall / timeScale);
        if (r.completedBy === 'webhook') webhookLatencies[index]!.push(wall);
        roundOf[index]!.push(round);
        byWebhook[index]!.push(r.completedBy === 'webhook');
      }
      // The simulator's count of status reads per task is the API-call cost; keep it beside each run.
      workflowRuns[index]!.push(...runs.map((r) => ({ ...r, reads: taskById.get(r.taskId)!.statusReads })));
    }
    for (const task of tasks.filter((t) => t.idempotencyKey?.startsWith(plainPrefix))) {
      plainReads.push(task.statusReads);
      plainLatencies.push(wallS(plainDetectedAt.get(task.id)!, task.id) / timeScale);
    }
  }
  bench.webhooks.routeTo(new Map());

  const summarize = (latencies: number[], reads: number[]) => ({
    distribution: distribution.name,
    generations: latencies.length,
    statusCallsPerGeneration: round(reads.reduce((a, b) => a + b, 0) / reads.length),
    detectionLatencyP50S: round(median(latencies)),
    detectionLatencyP95S: round(percentile(latencies, 95)),
    detectionLatenciesS: latencies.map((l) => round(l, 3)),
    statusCallsAll: reads,
    timeScale,
  });
  const results: PolicyResult[] = policies.map((policy, index) => {
    const runs = workflowRuns[index]!;
    const events = eventCounts[index]!;
    const late = timerLateness[index]!;
    return {
      policy: policy.name,
      standsFor: policy.standsFor,
      ...summarize(
        workflowLatencies[index]!,
        runs.map((r) => r.reads),
      ),
      historyEventsPerGeneration: round(events.reduce((a, b) => a + b, 0) / events.length, 1),
      // Slope of events over polls across generations: the marginal history cost of one status check.
      historyEventsPerPoll: round(
        slope(
          runs.map((r) => r.reads),
          events,
        ),
        1,
      ),
      historyEventsAll: events,
      actionsPerGeneration: round(actionCounts[index]!.reduce((a, b) => a + b, 0) / events.length, 1),
      actionsAll: actionCounts[index]!,
      // The retry form and the webhook wait start no timer per check: nothing to be late.
      ...(late.length > 0 ? { timerLateP99S: round(percentile(late, 99)), timerLateMaxS: round(Math.max(...late)) } : {}),
      roundOf: roundOf[index]!,
      completedByWebhook: runs.filter((r) => r.completedBy === 'webhook').length,
      byWebhookAll: byWebhook[index]!,
      webhookLatenciesS: webhookLatencies[index]!.map((l) => round(l, 3)),
      floorDistortion: floorDistortion(policy, timeScale),
      expectation: policy.expectation ?? 'input',
    };
  });
  results.push({
    policy: 'plain script, fixed 5 s',
    standsFor: 'a create-and-poll loop without Temporal (the floor)',
    ...summarize(plainLatencies, plainReads),
    historyEventsPerGeneration: 0,
    historyEventsPerPoll: 0,
    actionsPerGeneration: 0,
  });
  return results;
}

/** For every fired timer of a history: how much later than requested the server fired it (ms). */
function timerLatenessMs(history: History): number[] {
  const started = new Map<string, { at: number; requestedMs: number }>();
  const late: number[] = [];
  for (const event of history.events ?? []) {
    const timer = event.timerStartedEventAttributes;
    if (timer?.timerId)
      started.set(timer.timerId, { at: eventMillis(event.eventTime), requestedMs: eventMillis(timer.startToFireTimeout) });
    const fired = event.timerFiredEventAttributes?.timerId ? started.get(event.timerFiredEventAttributes.timerId) : undefined;
    if (fired) late.push(Math.max(0, eventMillis(event.eventTime) - fired.at - fired.requestedMs));
  }
  return late;
}
