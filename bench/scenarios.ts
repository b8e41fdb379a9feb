/**
 * The measurements: waiting policies on realistic (time-compressed) durations, the plain-script
 * floor, orchestration overhead, throughput, and in-flight scaling.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { startSora2Generation } from '../src/client/helpers';
import { RivyaClient } from '../src/rivya';
import { DEFAULT_SIMULATOR_API_KEY } from '../simulator/index';
import { sora2StatusQuery } from '../workflows/generation/messages';
import { expectedDurationMs, nextPollDelayMs } from '../workflows/generation/polling-schedule';
import { pollingOptionsSchema, type Sora2GenerationInput } from '../workflows/generation/input';
import type { Sora2GenerationResult } from '../workflows/generation/sora2-generation';
import { mapWithLimit, startBenchEnvironment, type BenchEnvironment } from './environment';
import { floorDistortion, policiesFor, scaledPolling, type Policy } from './policies';
import type { HeapProbeReading } from './heap-probe';
import { findProcess, ProcessSampler, sampleProcess } from './process-sampler';
import { median, percentile, round, slope } from './stats';

/** Task durations in real seconds, per n_frames (uniform within each range). */
export interface DurationDistribution {
  name: string;
  queuedS: [number, number];
  processingS: Record<'10' | '15', [number, number]>;
}

/** The default schedule's own expectation for a sora-2 task of `nFrames`, in seconds. */
export const scheduleExpectationS = (nFrames: '10' | '15') => expectedDurationMs('sora-2', nFrames, {}) / 1000;

/** Uniform within ±25 % of `factor` × the schedule's expectation: tasks the schedule was not tuned for. */
function aroundExpectation(name: string, factor: number): DurationDistribution {
  const range = (nFrames: '10' | '15'): [number, number] => [
    round(0.75 * factor * scheduleExpectationS(nFrames), 1),
    round(1.25 * factor * scheduleExpectationS(nFrames), 1),
  ];
  return { name, queuedS: [2, 10], processingS: { '10': range('10'), '15': range('15') } };
}

export const DISTRIBUTIONS: DurationDistribution[] = [
  // Centred on the schedule's own expectation (120 s / 180 s): the case it was tuned for.
  { name: 'typical', queuedS: [2, 10], processingS: { '10': [60, 150], '15': [90, 240] } },
  { name: 'long-tail', queuedS: [2, 30], processingS: { '10': [30, 400], '15': [60, 600] } },
  aroundExpectation('fast-4x', 0.25),
  aroundExpectation('slow-4x', 4),
];

/** The report's description of a distribution, generated from its parameters. */
export function describeDistribution(d: DurationDistribution): string {
  const frames = (['10', '15'] as const).map((n) => {
    const [a, b] = d.processingS[n];
    const e = scheduleExpectationS(n);
    return `${n} frames ${a}–${b} s (${round(a / e, 2)}–${round(b / e, 2)} × the schedule's ${e} s)`;
  });
  return `${d.name}: ${frames.join(', ')}, plus ${d.queuedS[0]}–${d.queuedS[1]} s queued`;
}

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

const nFramesOf = (i: number) => (i % 2 === 0 ? '10' : '15');
const PLAIN_PREFIX = 'plain';

async function startWorkflows(
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
  });
  return results;
}

/** For every fired timer of a history: how much later than requested the server fired it (ms). */
function timerLatenessMs(history: temporal.api.history.v1.IHistory): number[] {
  const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
  const started = new Map<string, { at: number; requestedMs: number }>();
  const late: number[] = [];
  for (const event of history.events ?? []) {
    const timer = event.timerStartedEventAttributes;
    if (timer?.timerId) started.set(timer.timerId, { at: millis(event.eventTime), requestedMs: millis(timer.startToFireTimeout) });
    const fired = event.timerFiredEventAttributes?.timerId ? started.get(event.timerFiredEventAttributes.timerId) : undefined;
    if (fired) late.push(Math.max(0, millis(event.eventTime) - fired.at - fired.requestedMs));
  }
  return late;
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

export interface ScalingResult {
  inFlight: number;
  /**
   * How the generations waited: 'polling' (a steady 4.5 s check, the default retry form; older
   * results: the timer loop) or 'webhooks' (webhooks on: the hour-long tasks send nothing during
   * the window, so the worker holds idle waits and only the safety net's first check is scheduled).
   */
  waiting?: 'polling' | 'webhooks';
  /** The worker's sticky-cache size for this level. */
  maxCachedWorkflows?: number | 'SDK default';
  /** Where the worker's memory lies at the end of the window (read inside the worker). */
  memory?: HeapProbeReading;
  /** CPU cores busy during the window, per process (the machine has os.cpus().length). */
  cores?: { worker: number; devServer: number; clientAndSimulator: number };
  /** Tasks created by the end of the settle phase (below inFlight when the stack could not keep up). */
  tasksCreated: number;
  startSeconds: number;
  workerRssMb: number;
  workerCpuMsPerGenerationPerMinute: number;
  statusQueryP50Ms: number;
  statusQueryP95Ms: number;
  /** Queries that timed out or failed during the window. */
  statusQueryFailures: number;
  statusChecksPerSecondDemanded: number;
  statusChecksPerSecondSustained: number;
  /** The nominal window and the one measured (rates are divided by the measured one). */
  windowMs?: number;
  measuredWindowMs?: number;
}

/**
 * N generations kept in flight (long tasks, dense polling every 4.5 s), each level on a fresh
 * stack: worker memory and CPU, status-query latency, and the poll rate the server sustains.
 */
export async function runScaling(
  inFlight: number,
  windowMs: number,
  maxCachedWorkflows?: number,
  waiting: 'polling' | 'webhooks' = 'polling',
): Promise<ScalingResult> {
  const probeFile = join(mkdtempSync(join(tmpdir(), 'rivya-bench-')), 'heap.json');
  const workerEnv: Record<string, string> = {
    NODE_OPTIONS: `--expose-gc --require ${JSON.stringify(join(__dirname, 'heap-probe.js'))}`,
    RIVYA_BENCH_HEAP_PROBE_FILE: probeFile,
    ...(maxCachedWorkflows !== undefined ? { RIVYA_WORKER_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) } : {}),
  };
  const bench = await startBenchEnvironment(
    { timing: { queuedMs: [1_000, 1_000], processingMs: { default: [3_600_000, 3_600_000] } } },
    workerEnv,
  );
  try {
    // A steady 4.5 s rhythm for the whole window (the adaptive schedule would back off once the
    // hour-long task counts as overdue, and demand would fall below N / 4.5).
    // With webhooks on, the default safety net: its first check comes at twice the expected duration.
    const webhooks = waiting === 'webhooks';
    const polling = webhooks ? {} : { firstCheckAfterMs: 1_000, minIntervalMs: 4_500, maxIntervalMs: 4_500 };
    const started = Date.now();
    const ids = await mapWithLimit(
      Array.from({ length: inFlight }, (_, i) => i),
      50,
      async (i) => {
        const workflowId = `scale-${inFlight}-${i}`;
        await startSora2Generation(
          bench.client,
          { prompt: `[sim:succeed] s${i}`, polling, completion: { webhooks }, searchAttributes: false },
          { workflowId, taskQueue: bench.taskQueue },
        );
        return workflowId;
      },
    );
    const startSeconds = (Date.now() - started) / 1000;
    // Let every workflow create its task and settle into its polling rhythm (bounded: an overloaded
    // server is itself a result, reported as fewer tasks created than generations started).
    const settleDeadline = Date.now() + 180_000;
    while (bench.simulator.store.tasks.size < inFlight && Date.now() < settleDeadline) await sleep(500);
    const tasksCreated = bench.simulator.store.tasks.size;
    await sleep(6_000);
    const before = bench.simulator.store.counters.get('getGeneration')?.requests ?? 0;
    const cpuBefore = sampleProcess(bench.worker.child.pid!).cpuMs;
    // Where the machine's cores go: the worker, the dev server, and this process (client + simulator).
    const devServerPid = findProcess(['start-dev', `--port ${new URL(`http://${bench.env.address}`).port}`]);
    const devServerCpuBefore = devServerPid ? sampleProcess(devServerPid).cpuMs : 0;
    const benchCpuBefore = process.cpuUsage();
    const windowStarted = Date.now();
    const sampler = new ProcessSampler(bench.worker.child.pid!);
    const queryLatencies: number[] = [];
    let queryFailures = 0;
    const windowEnd = Date.now() + windowMs;
    while (Date.now() < windowEnd) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const t0 = performance.now();
      try {
        await bench.client.workflow.getHandle(id).query(sora2StatusQuery);
        queryLatencies.push(performance.now() - t0);
      } catch {
        // A saturated stack answers "query timed out before a worker could process it": count it.
        queryFailures += 1;
      }
      await sleep(200);
    }
    // Rates are divided by the measured window (the last query may overrun the nominal one by seconds).
    const polls = (bench.simulator.store.counters.get('getGeneration')?.requests ?? 0) - before;
    const elapsedMs = Date.now() - windowStarted;
    const usage = sampler.stop();
    const cpuMs = sampleProcess(bench.worker.child.pid!).cpuMs - cpuBefore;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const coresUsed = (ms: number) => round(ms / elapsedMs, 2);
    const cores = {
      worker: coresUsed(cpuMs),
      devServer: devServerPid ? coresUsed(sampleProcess(devServerPid).cpuMs - devServerCpuBefore) : Number.NaN,
      clientAndSimulator: coresUsed((benchCpu.user + benchCpu.system) / 1000),
    };
    const memory = await readHeapProbe(bench.worker.child.pid!, probeFile);
    return {
      inFlight,
      waiting,
      maxCachedWorkflows: maxCachedWorkflows ?? 'SDK default',
      memory,
      cores,
      tasksCreated,
      startSeconds: round(startSeconds, 1),
      workerRssMb: round(usage.peakRssBytes / 2 ** 20, 0),
      windowMs,
      measuredWindowMs: elapsedMs,
      workerCpuMsPerGenerationPerMinute: round((cpuMs / inFlight) * (60_000 / elapsedMs), 2),
      statusQueryP50Ms: round(median(queryLatencies), 1),
      statusQueryP95Ms: round(percentile(queryLatencies, 95), 1),
      statusQueryFailures: queryFailures,
      statusChecksPerSecondDemanded: webhooks ? 0 : round(inFlight / 4.5, 1),
      statusChecksPerSecondSustained: round(polls / (elapsedMs / 1000), 1),
    };
  } finally {
    await bench.close();
  }
}

/** Asks the worker's heap probe for its memory split (SIGUSR2) and waits for the answer. */
async function readHeapProbe(pid: number, file: string): Promise<HeapProbeReading | undefined> {
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as HeapProbeReading;
    await sleep(100);
  }
  return undefined;
}

export interface LongTaskResult {
  taskMinutes: number;
  polls: number;
  runs: number;
  maxEventsInOneRun: number;
  /** History length at which the server set continueAsNewSuggested, measured in this run (null: not seen). */
  continueAsNewSuggestedAt: number | null;
  /** 'measured' by the probe of this run; older results carry an assumed constant. */
  continueAsNewSource?: 'measured' | 'not measured';
  /** How the run waited (older results: the timer loop, the only form then). */
  style?: 'activity-retry' | 'timer';
  /** History events of every run together. */
  totalEvents?: number;
}

/** A 30-minute task (compressed) on the default schedule, in one wait style: history per run stays bounded. */
export async function runLongTask(
  bench: BenchEnvironment,
  timeScale: number,
  continueAsNew: ContinueAsNewProbeResult | undefined,
  style: 'activity-retry' | 'timer' = 'activity-retry',
): Promise<LongTaskResult> {
  const taskMs = 30 * 60_000;
  await bench.resetSimulator({
    seed: 9,
    initialCredits: 1e9,
    timing: { queuedMs: [0, 0], processingMs: { default: [taskMs, taskMs] }, timeScale },
  });
  const workflowId = `long-${style}-${Date.now()}`;
  const handle = await startSora2Generation(
    bench.client,
    {
      prompt: '[sim:succeed] thirty minutes',
      polling: scaledPolling({ name: 'ours', standsFor: '', polling: { style } }, timeScale, expectedDurationMs('sora-2', '10', {})),
      searchAttributes: false,
    },
    { workflowId, taskQueue: bench.taskQueue },
  );
  const result = await handle.result();
  const counts: number[] = [];
  for await (const execution of bench.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    counts.push((await bench.client.workflow.getHandle(workflowId, execution.runId).fetchHistory()).events?.length ?? 0);
  }
  return {
    taskMinutes: 30,
    polls: result.polls,
    runs: counts.length,
    maxEventsInOneRun: Math.max(...counts),
    continueAsNewSuggestedAt: continueAsNew?.suggestedAt ?? null,
    continueAsNewSource: continueAsNew ? 'measured' : 'not measured',
    style,
    totalEvents: counts.reduce((a, b) => a + b, 0),
  };
}

export interface TimerProbeResult {
  requestedMs: number;
  /** TimerFired − TimerStarted event times, ms. */
  samplesMs: number[];
  medianMs: number;
  maxMs: number;
}

export interface ContinueAsNewProbeResult {
  /** History length when the server first set continueAsNewSuggested (null: not by maxEvents). */
  suggestedAt: number | null;
  maxEvents: number;
}

export interface ProbeResults {
  timers: TimerProbeResult[];
  continueAsNew?: ContinueAsNewProbeResult;
}

/**
 * Measures what the report used to quote: how long 25 ms / 250 ms / 1 s timers take on this dev
 * server (from the histories' event times), and at which history length the server suggests
 * continue-as-new. A bench-only worker in this process runs the probe workflows.
 */
export async function runProbes(
  bench: BenchEnvironment,
  options: { timerRepeats: number; continueAsNewMaxEvents?: number },
): Promise<ProbeResults> {
  const { Worker } = await import('@temporalio/worker');
  const taskQueue = `bench-probe-${Date.now()}`;
  const worker = await Worker.create({
    connection: bench.env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./probe-workflows'),
    activities: { probeNoop: async () => undefined },
  });
  const running = worker.run();
  try {
    const timers = await Promise.all(
      [25, 250, 1_000].map(async (requestedMs) => {
        const handle = await bench.client.workflow.start('timerProbe', {
          args: [requestedMs, options.timerRepeats],
          workflowId: `${taskQueue}-timer-${requestedMs}`,
          taskQueue,
        });
        await handle.result();
        const samplesMs = timerDurationsMs(await handle.fetchHistory());
        return { requestedMs, samplesMs, medianMs: round(median(samplesMs), 0), maxMs: round(Math.max(...samplesMs), 0) };
      }),
    );
    let continueAsNew: ContinueAsNewProbeResult | undefined;
    if (options.continueAsNewMaxEvents) {
      const result = (await bench.client.workflow.execute('continueAsNewProbe', {
        args: [options.continueAsNewMaxEvents],
        workflowId: `${taskQueue}-can`,
        taskQueue,
      })) as { suggestedAt: number | null };
      continueAsNew = { suggestedAt: result.suggestedAt, maxEvents: options.continueAsNewMaxEvents };
    }
    return { timers, continueAsNew };
  } finally {
    worker.shutdown();
    await running;
  }
}

/** Fired − started time of every timer in a history, ms. */
function timerDurationsMs(history: temporal.api.history.v1.IHistory): number[] {
  const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
  const started = new Map<string, number>();
  const durations: number[] = [];
  for (const event of history.events ?? []) {
    const timerId = event.timerStartedEventAttributes?.timerId;
    if (timerId) started.set(timerId, millis(event.eventTime));
    const firedId = event.timerFiredEventAttributes?.timerId;
    if (firedId && started.has(firedId)) durations.push(millis(event.eventTime) - started.get(firedId)!);
  }
  return durations;
}
