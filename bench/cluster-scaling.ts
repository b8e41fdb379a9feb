/**
 * In-flight scaling on either server (`--scaling-only --server cluster|dev`): the same levels on
 * the dev server (one process, SQLite) and on the production shape started through `src/cluster`
 * (PostgreSQL + Temporal server 1.29.1, SQL visibility), each level on a fresh stack with 1–3
 * worker processes. Measured per level: the status checks (or webhook completions) the generations
 * demand against those the stack sustains, status-query latency, worker RSS, where the cores go
 * (workers, Temporal server, PostgreSQL, this process), and — for the timer loop — how late the
 * server fires timers, read from the histories.
 *
 * Three kinds of level:
 *   - 'polling': hour-long tasks, a steady 4.5 s check by activity retries (the default wait form):
 *     N / 4.5 checks/s demanded, no history per check.
 *   - 'timer-loop': the same on the timer loop (a durable timer + an activity per check): the
 *     timers whose lateness the policy table reports.
 *   - 'webhooks': webhooks on, the plugin's own receiver (routing by RivyaTaskId through
 *     visibility), a steady state: every task lasts `taskSeconds`, the first N are staggered so
 *     they end at N / taskSeconds per second, and every ended task is replaced by a new generation
 *     (N stay in flight). Demanded: those completions; the safety net's first check (twice the
 *     expected duration) lies past the level, so almost no status check is due.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import type { temporal } from '@temporalio/proto';
import { startSora2Generation } from '../src/client/helpers';
import type { Sora2GenerationInput } from '../workflows/generation/input';
import { mapWithLimit } from './environment';
import { startServerBenchEnvironment, type BenchServer, type ServerBenchEnvironment } from './cluster-environment';
import { ProcessSampler, sampleProcess } from './process-sampler';
import { sampleStatusQueries } from './scenarios/shared';
import { median, percentile, round } from './stats';

export type ServerLevelWaiting = 'polling' | 'timer-loop' | 'webhooks';

export interface ServerScalingLevel {
  inFlight: number;
  workers: number;
  waiting: ServerLevelWaiting;
  /** Webhook levels: every task's duration (real seconds); the initial ones end staggered over it. */
  taskSeconds?: number;
}

export interface ServerScalingResult {
  server: BenchServer;
  inFlight: number;
  workers: number;
  waiting: ServerLevelWaiting;
  taskSeconds?: number;
  /** Tasks created by the end of the settle phase (below inFlight when the stack could not keep up). */
  tasksCreated: number;
  startSeconds: number;
  /** From the first start until every task existed (or the settle deadline). */
  settleSeconds: number;
  /** Cores of the whole machine busy over that ramp (starts and creates as fast as the stack goes). */
  rampMachineCores?: number;
  /** Peak RSS of each worker process over the window. */
  workerRssMb: number[];
  workerCpuMsPerGenerationPerMinute: number;
  statusQueryP50Ms: number;
  statusQueryP95Ms: number;
  statusQueryFailures: number;
  statusChecksPerSecondDemanded: number;
  statusChecksPerSecondSustained: number;
  /** Webhook levels: tasks that ended in the window per second (deliveries due) … */
  completionsPerSecondDemanded?: number;
  /** … and generations that completed in the window per second (visibility count). */
  completionsPerSecondSustained?: number;
  /** Webhook levels: task end → workflow closed, seconds, for a sample of the tasks ended in the window. */
  webhookDetectionP50S?: number;
  webhookDetectionP95S?: number;
  /** Of that sample, how many had closed by the end of the grace period after the window. */
  webhookSampleClosed?: number;
  webhookSampleSize?: number;
  /** Replacement starts still queued at the end of the window (the closed loop falling behind). */
  startBacklogAtEnd?: number;
  /** Generations started during the window per second (replacements). */
  startsPerSecondInWindow?: number;
  /** The receiver's outcomes during the level (signalled, not-yet-visible, temporal-unavailable, …). */
  receiverOutcomes?: Record<string, number>;
  windowMs: number;
  measuredWindowMs: number;
  /** CPU cores busy during the window, per part, and the whole machine (from /proc/stat). */
  cores: { workers: number; temporalServer: number; postgres: number | null; clientAndSimulator: number; machine: number };
  /** Timer-loop levels: timers started in the window, how late the server fired them (s). */
  timerLate?: { timers: number; workflowsSampled: number; unfiredAtRead: number; p50S: number; p99S: number; maxS: number };
  /** Set when the level could not be run to the end (the row then shows what was measured). */
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR_MS = 3_600_000;
const STEADY_CHECK_MS = 4_500;
/** Polling levels: an overloaded stack is itself a result (fewer tasks created than generations started). */
const SETTLE_DEADLINE_MS = 150_000;
/** Webhook levels: 10,000 creates take minutes on 2 cores; the window needs all of them. */
const WEBHOOK_SETTLE_DEADLINE_MS = 480_000;
/** Webhook levels: the initial tasks end from this long after their creation on. */
const STAGGER_FROM_MS = 30_000;
/** Webhook levels: 10-minute tasks (the long end of Sora 2), so the ramp fits inside one task duration. */
const DEFAULT_TASK_SECONDS = 600;
const START_CONCURRENCY = 64;

/** Sum of (utime + stime) of a process and every descendant, plus what its exited children used (ms). */
function treeCpuMs(root: number | undefined): number {
  if (!root) return 0;
  const ticks = 100;
  const parents = new Map<number, number>();
  const own = new Map<number, number>();
  let reaped = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      parents.set(pid, Number(fields[1]));
      own.set(pid, Number(fields[11]) + Number(fields[12]));
      if (pid === root) reaped = Number(fields[13]) + Number(fields[14]);
    } catch {
      // gone meanwhile
    }
  }
  let total = reaped;
  for (const [pid, cpu] of own) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) {
        total += cpu;
        break;
      }
    }
  }
  return (total / ticks) * 1000;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineJiffies(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const numbers = values.map(Number);
  const total = numbers.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = numbers[3]! + numbers[4]!;
  return { busy: total - idle, total };
}

const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;

/**
 * Lateness (ms) of the timers a history started within [from, to]. A timer still unfired when read
 * counts as late by at least readAt − due if it was due by then; one not yet due is left out.
 */
function timerLatenessInWindow(history: temporal.api.history.v1.IHistory, from: number, to: number, readAt: number) {
  const started = new Map<string, { at: number; requestedMs: number }>();
  const late: number[] = [];
  let unfired = 0;
  for (const event of history.events ?? []) {
    const timer = event.timerStartedEventAttributes;
    const at = millis(event.eventTime);
    if (timer?.timerId && at >= from && at <= to) started.set(timer.timerId, { at, requestedMs: millis(timer.startToFireTimeout) });
    const firedId = event.timerFiredEventAttributes?.timerId;
    const fired = firedId ? started.get(firedId) : undefined;
    if (firedId && fired) {
      late.push(Math.max(0, at - fired.at - fired.requestedMs));
      started.delete(firedId);
    }
  }
  for (const pending of started.values()) {
    const due = pending.at + pending.requestedMs;
    if (due > readAt) continue;
    unfired += 1;
    late.push(readAt - due);
  }
  return { late, unfired };
}

function inputFor(level: ServerScalingLevel, i: number): Sora2GenerationInput {
  if (level.waiting === 'webhooks') {
    // The default schedule with webhooks on, told the task's length (what the worker's learner
    // arrives at after a few completions): the safety net's first check at twice that, past the level.
    return {
      prompt: `[sim:succeed] s${i}`,
      params: { n_frames: '15' },
      polling: { expectedDurationMs: (level.taskSeconds ?? DEFAULT_TASK_SECONDS) * 1000 },
      completion: { webhooks: true },
      searchAttributes: true,
    };
  }
  return {
    prompt: `[sim:succeed] s${i}`,
    polling: {
      firstCheckAfterMs: 1_000,
      minIntervalMs: STEADY_CHECK_MS,
      maxIntervalMs: STEADY_CHECK_MS,
      style: level.waiting === 'timer-loop' ? 'timer' : 'activity-retry',
    },
    completion: { webhooks: false },
    searchAttributes: false,
  };
}

/**
 * One level on a fresh stack. Never throws for an overloaded stack: what could be measured is
 * returned with `error` set.
 */
export async function runServerScalingLevel(
  server: BenchServer,
  level: ServerScalingLevel,
  windowMs: number,
  log: (line: string) => void,
): Promise<ServerScalingResult> {
  const webhooks = level.waiting === 'webhooks';
  const taskMs = (level.taskSeconds ?? DEFAULT_TASK_SECONDS) * 1000;
  // Webhook levels: the first N end staggered over one task duration, from `settleMs` after their creation on.
  const settleMs = STAGGER_FROM_MS;
  const bench = await startServerBenchEnvironment({
    server,
    workers: level.workers,
    webhooks,
    simulator: {
      timing: webhooks
        ? { queuedMs: [1_000, 1_000], processingMs: { default: [settleMs, settleMs + taskMs] } }
        : { queuedMs: [1_000, 1_000], processingMs: { default: [HOUR_MS, HOUR_MS] } },
    },
    log,
  });
  try {
    return await measureLevel(bench, server, level, windowMs, taskMs, settleMs, log);
  } finally {
    await bench.close();
  }
}

async function measureLevel(
  bench: ServerBenchEnvironment,
  server: BenchServer,
  level: ServerScalingLevel,
  windowMs: number,
  taskMs: number,
  settleMs: number,
  log: (line: string) => void,
): Promise<ServerScalingResult> {
  const { inFlight } = level;
  const webhooks = level.waiting === 'webhooks';
  const stamp = Date.now().toString(36);
  const start = (id: string, i: number) =>
    startSora2Generation(bench.client, inputFor(level, i), { workflowId: id, taskQueue: bench.taskQueue }).then(() => id);
  const ended = new Map<string, number>(); // workflow id → task end (ms)
  let replacements = 0;
  let backlog = 0;
  let startsInWindow = 0;
  let windowOpen = false;
  let closing = false;
  const pendingReplacements: Array<Promise<unknown>> = [];
  if (webhooks) {
    // The closed loop: every task that ends is replaced by a new generation, so N stay in flight.
    const publish = bench.simulator.store.onTerminal;
    let active = 0;
    const queue: number[] = [];
    const pump = () => {
      while (!closing && active < START_CONCURRENCY && queue.length > 0) {
        const i = queue.shift()!;
        active += 1;
        const done = start(`scale-${stamp}-r${i}`, i)
          .then(() => {
            if (windowOpen) startsInWindow += 1;
          })
          .catch(() => undefined)
          .finally(() => {
            active -= 1;
            pump();
          });
        pendingReplacements.push(done);
      }
      backlog = queue.length;
    };
    bench.simulator.store.onTerminal = (task) => {
      publish?.(task);
      if (task.idempotencyKey) ended.set(task.idempotencyKey, task.terminalAt);
      if (closing) return;
      queue.push(inFlight + replacements);
      replacements += 1;
      pump();
    };
  }

  const started = Date.now();
  const machineAtStart = machineJiffies();
  const ids = await mapWithLimit(
    Array.from({ length: inFlight }, (_, i) => i),
    START_CONCURRENCY,
    (i) => start(`scale-${stamp}-${i}`, i),
  );
  const startSeconds = (Date.now() - started) / 1000;
  log(`  ${inFlight} started in ${startSeconds.toFixed(1)} s`);
  const settleDeadline = started + (webhooks ? WEBHOOK_SETTLE_DEADLINE_MS : SETTLE_DEADLINE_MS);
  const created = () => bench.simulator.store.tasks.size;
  while (created() < inFlight && Date.now() < settleDeadline) await sleep(500);
  const tasksCreated = Math.min(created(), inFlight);
  const settleSeconds = (Date.now() - started) / 1000;
  const machineAtSettle = machineJiffies();
  const rampMachineCores = round(
    ((machineAtSettle.busy - machineAtStart.busy) / (machineAtSettle.total - machineAtStart.total)) * cpus().length,
    2,
  );
  log(`  ${tasksCreated} tasks created after ${settleSeconds.toFixed(1)} s`);
  if (webhooks) {
    // From now on every new task (the replacements) lasts exactly taskSeconds.
    bench.simulator.configure({ timing: { queuedMs: [1_000, 1_000], processingMs: { default: [taskMs, taskMs] } } });
    // The window opens once the staggered ends run at their steady rate.
    // (the last task was created by the end of the settle phase; it ends at least settleMs later).
    const steadyAt = started + settleSeconds * 1000 + settleMs + 2_000;
    if (steadyAt > Date.now()) await sleep(steadyAt - Date.now());
  } else {
    await sleep(6_000);
  }

  const getGeneration = () => bench.simulator.store.counters.get('getGeneration')?.requests ?? 0;
  /** Generations that completed within [from, to] (a visibility count, read after the window so its lag does not matter). */
  const completedBetween = async (from: number, to: number) => {
    try {
      const query = `ExecutionStatus = "Completed" AND CloseTime >= "${new Date(from).toISOString()}" AND CloseTime < "${new Date(to).toISOString()}"`;
      return (await bench.client.workflow.count(query)).count;
    } catch (err) {
      log(`  visibility count failed: ${err instanceof Error ? err.message : String(err)}`);
      return Number.NaN;
    }
  };
  const receiverBefore = bench.receiver?.stats().byOutcome;
  const checksBefore = getGeneration();
  const workerSamplers = bench.workers.map((w) => new ProcessSampler(w.child.pid!));
  const workerCpu = () => bench.workers.reduce((sum, w) => sum + (w.child.exitCode === null ? sampleProcess(w.child.pid!).cpuMs : 0), 0);
  const cpuBefore = {
    workers: workerCpu(),
    server: treeCpuMs(bench.serverPid),
    postgres: treeCpuMs(bench.postgresPid),
    bench: process.cpuUsage(),
  };
  const machineBefore = machineJiffies();
  const windowStarted = Date.now();
  windowOpen = true;
  const endedBeforeWindow = new Set(ended.keys());
  const { latencies: queryLatencies, failures: queryFailures } = await sampleStatusQueries(
    bench.client,
    ids,
    windowStarted + windowMs,
    (id) => ended.has(id),
  );
  windowOpen = false;
  const elapsedMs = Date.now() - windowStarted;
  const checks = getGeneration() - checksBefore;
  const machineAfter = machineJiffies();
  const cores = {
    workers: round((workerCpu() - cpuBefore.workers) / elapsedMs, 2),
    temporalServer: round((treeCpuMs(bench.serverPid) - cpuBefore.server) / elapsedMs, 2),
    postgres: bench.postgresPid ? round((treeCpuMs(bench.postgresPid) - cpuBefore.postgres) / elapsedMs, 2) : null,
    clientAndSimulator: round(
      (() => {
        const u = process.cpuUsage(cpuBefore.bench);
        return (u.user + u.system) / 1000 / elapsedMs;
      })(),
      2,
    ),
    machine: round(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * cpus().length, 2),
  };
  const usages = workerSamplers.map((s) => s.stop());
  const workerCpuMs = usages.reduce((sum, u) => sum + u.cpuMs, 0);
  const result: ServerScalingResult = {
    server,
    inFlight,
    workers: level.workers,
    waiting: level.waiting,
    ...(webhooks ? { taskSeconds: taskMs / 1000 } : {}),
    tasksCreated,
    rampMachineCores,
    startSeconds: round(startSeconds, 1),
    settleSeconds: round(settleSeconds, 1),
    workerRssMb: usages.map((u) => round(u.peakRssBytes / 2 ** 20, 0)),
    workerCpuMsPerGenerationPerMinute: round((workerCpuMs / inFlight) * (60_000 / elapsedMs), 2),
    statusQueryP50Ms: round(median(queryLatencies), 1),
    statusQueryP95Ms: round(percentile(queryLatencies, 95), 1),
    statusQueryFailures: queryFailures,
    statusChecksPerSecondDemanded: webhooks ? 0 : round(inFlight / (STEADY_CHECK_MS / 1000), 1),
    statusChecksPerSecondSustained: round(checks / (elapsedMs / 1000), 1),
    windowMs,
    measuredWindowMs: elapsedMs,
    cores,
  };

  if (webhooks) {
    const endedInWindow = [...ended].filter(
      ([id, at]) => !endedBeforeWindow.has(id) && at >= windowStarted && at <= windowStarted + elapsedMs,
    );
    result.completionsPerSecondDemanded = round(endedInWindow.length / (elapsedMs / 1000), 1);
    result.startBacklogAtEnd = backlog;
    result.startsPerSecondInWindow = round(startsInWindow / (elapsedMs / 1000), 1);
    closing = true;
    // Grace for the last deliveries of the window, then the detection lag of a sample.
    await sleep(15_000);
    result.completionsPerSecondSustained = round(
      (await completedBetween(windowStarted, windowStarted + elapsedMs)) / (elapsedMs / 1000),
      1,
    );
    const sample = endedInWindow.sort(() => Math.random() - 0.5).slice(0, 300);
    const lags: number[] = [];
    let closed = 0;
    await mapWithLimit(sample, 20, async ([id, endedAt]) => {
      try {
        const description = await bench.client.workflow.getHandle(id).describe();
        if (description.closeTime) {
          closed += 1;
          lags.push((description.closeTime.getTime() - endedAt) / 1000);
        }
      } catch {
        // not found: counted as not closed
      }
    });
    result.webhookSampleSize = sample.length;
    result.webhookSampleClosed = closed;
    result.webhookDetectionP50S = round(median(lags), 2);
    result.webhookDetectionP95S = round(percentile(lags, 95), 2);
    const after = bench.receiver?.stats().byOutcome;
    if (after && receiverBefore) {
      result.receiverOutcomes = Object.fromEntries(
        Object.entries(after)
          .map(([outcome, n]) => [outcome, n - (receiverBefore[outcome as keyof typeof receiverBefore] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      );
    }
  }

  if (level.waiting === 'timer-loop') {
    // Every timer started in the window is due 4.5 s after it; read once they all are.
    await sleep(STEADY_CHECK_MS + 1_000);
    const readAt = Date.now();
    const sample = [...ids].sort(() => Math.random() - 0.5).slice(0, 200);
    const late: number[] = [];
    let unfired = 0;
    let sampled = 0;
    await mapWithLimit(sample, 20, async (id) => {
      try {
        const history = await bench.client.workflow.getHandle(id).fetchHistory();
        const found = timerLatenessInWindow(history, windowStarted, windowStarted + elapsedMs, readAt);
        late.push(...found.late);
        unfired += found.unfired;
        sampled += 1;
      } catch {
        // a history that could not be read is left out
      }
    });
    result.timerLate = {
      timers: late.length,
      workflowsSampled: sampled,
      unfiredAtRead: unfired,
      p50S: round(median(late) / 1000, 2),
      p99S: round(percentile(late, 99) / 1000, 2),
      maxS: round(Math.max(0, ...late) / 1000, 2),
    };
  }
  closing = true;
  // No start may still be retrying when the connection closes.
  await Promise.race([Promise.allSettled(pendingReplacements), sleep(60_000)]);
  return result;
}

/** The levels of `--server cluster|dev`: bounded to ~15 minutes on a 2-core machine. */
export const SERVER_SCALING_LEVELS: ServerScalingLevel[] = [
  { inFlight: 1_000, workers: 1, waiting: 'polling' },
  // The timer loop at the policy table's load (a few hundred waiting at once) and at 1,000.
  { inFlight: 300, workers: 1, waiting: 'timer-loop' },
  { inFlight: 1_000, workers: 1, waiting: 'timer-loop' },
  { inFlight: 5_000, workers: 2, waiting: 'polling' },
  { inFlight: 10_000, workers: 3, waiting: 'webhooks', taskSeconds: DEFAULT_TASK_SECONDS },
];

/** Every level on a fresh stack; `persist` after each. A level that fails is recorded with its error. */
export async function measureServerScaling(
  server: BenchServer,
  levels: readonly ServerScalingLevel[],
  windowMs: number,
  into: ServerScalingResult[],
  persist: () => void,
  log: (line: string) => void,
): Promise<void> {
  for (const level of levels) {
    log(`${server} server: ${level.inFlight} in flight, ${level.waiting}, ${level.workers} worker(s)`);
    const began = Date.now();
    // A gRPC retry of the level's client that fires after its connection closed throws from a timer:
    // the level is over by then, so it must not end the run.
    const afterClose = (err: Error) => {
      if (/Channel has been shut down/.test(err.message)) log(`  (ignored after teardown: ${err.message})`);
      else throw err;
    };
    process.on('uncaughtException', afterClose);
    try {
      const result = await runServerScalingLevel(server, level, windowMs, log);
      into.push(result);
      log(
        `  checks/s ${result.statusChecksPerSecondSustained} of ${result.statusChecksPerSecondDemanded}` +
          (result.completionsPerSecondDemanded !== undefined
            ? `, completions/s ${result.completionsPerSecondSustained} of ${result.completionsPerSecondDemanded}`
            : '') +
          `, cores ${JSON.stringify(result.cores)}, ${Math.round((Date.now() - began) / 1000)} s`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      log(`  failed: ${message}`);
      into.push({
        server,
        ...level,
        tasksCreated: 0,
        startSeconds: Number.NaN,
        settleSeconds: Number.NaN,
        workerRssMb: [],
        workerCpuMsPerGenerationPerMinute: Number.NaN,
        statusQueryP50Ms: Number.NaN,
        statusQueryP95Ms: Number.NaN,
        statusQueryFailures: 0,
        statusChecksPerSecondDemanded: Number.NaN,
        statusChecksPerSecondSustained: Number.NaN,
        windowMs,
        measuredWindowMs: 0,
        cores: { workers: Number.NaN, temporalServer: Number.NaN, postgres: null, clientAndSimulator: Number.NaN, machine: Number.NaN },
        error: message,
      });
    }
    await sleep(2_000);
    process.off('uncaughtException', afterClose);
    persist();
  }
}
