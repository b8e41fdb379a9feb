/**
 * The duration learner against the true quantiles of generated data: burst starts (the fast
 * tasks finish first), drifting durations, mixed n_frames, failures, and completions that arrive
 * only by webhook. The worker's clock is simulated; the learner reads it through its `now`.
 */
import { CompletionLearner, EARLIEST_QUANTILE } from '../../activities/completion-learner';
import { quantileOfSurvival } from '../../activities/survival';
import type { TaskSnapshot } from '../../workflows/common/activity-contract';
import { seededRandom as random } from '../../simulator/random';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const ten = { model: 'sora-2', nFrames: '10' };
const fifteen = { model: 'sora-2', nFrames: '15' };

/** Log-normal durations around `medianMs` (spread `sigma`), as Box–Muller draws. */
function logNormal(rand: () => number, medianMs: number, sigma: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return medianMs * Math.exp(sigma * normal);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface SimTask {
  id: string;
  key: typeof ten;
  startMs: number;
  durationMs: number;
  failed?: boolean;
}

function snapshot(task: SimTask, atMs: number): TaskSnapshot {
  const ended = atMs >= task.startMs + task.durationMs;
  return {
    id: task.id,
    status: ended ? (task.failed ? 'failed' : 'succeeded') : 'processing',
    reservedCredits: 6,
    finalCredits: ended && task.failed ? 0 : 6,
    createdAt: new Date(task.startMs).toISOString(),
    updatedAt: new Date(ended ? task.startMs + task.durationMs : task.startMs).toISOString(),
    videoUrls: [],
    error: null,
  };
}

/**
 * A worker watching `tasks`: each is noted at its start and checked every `everyMs` until it ends
 * (a fixed poller; what matters here is that running tasks are seen running). `probe` runs at the
 * given times with the learner as it is then.
 */
function watch(
  tasks: SimTask[],
  options: { everyMs: number; probes: number[]; byWebhook?: boolean },
  probe: (learner: CompletionLearner, atMs: number) => void,
) {
  let now = T0;
  const learner = new CompletionLearner(undefined, () => now);
  if (options.byWebhook) learner.attachWebhookFeed();
  const moments: { atMs: number; run: () => void }[] = [];
  for (const task of tasks) {
    moments.push({
      atMs: task.startMs,
      run: () => {
        learner.noteTask(task.id, task.key, task.startMs);
        if (options.byWebhook) learner.noteWaitingByWebhook(task.id);
      },
    });
    const endMs = task.startMs + task.durationMs;
    if (options.byWebhook) moments.push({ atMs: endMs, run: () => learner.observe(snapshot(task, endMs)) });
    else
      for (let at = task.startMs + options.everyMs; ; at += options.everyMs) {
        moments.push({ atMs: at, run: () => learner.observe(snapshot(task, at)) });
        if (at >= endMs) break;
      }
  }
  for (const atMs of options.probes) moments.push({ atMs, run: () => probe(learner, atMs) });
  moments.sort((a, b) => a.atMs - b.atMs);
  for (const moment of moments) {
    now = moment.atMs;
    moment.run();
  }
}

function burst(count: number, seed: number, medianMs = 100_000, sigma = 0.35, key = ten): SimTask[] {
  const rand = random(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `${key.nFrames}-b${seed}-${i}`,
    key,
    startMs: T0,
    durationMs: logNormal(rand, medianMs, sigma),
  }));
}

/** Within `tolerance` (a share) of `expected`. */
function expectNear(actual: number | null | undefined, expected: number, tolerance: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected) / expected).toBeLessThanOrEqual(tolerance);
}

describe('Kaplan–Meier quantiles', () => {
  test('without censoring it is the empirical quantile', () => {
    const observations = [10, 20, 30, 40].map((timeMs) => ({ timeMs, event: true, weight: 1 }));
    expect(quantileOfSurvival(observations, 0.25)).toBe(10);
    expect(quantileOfSurvival(observations, 0.5)).toBe(20);
    expect(quantileOfSurvival(observations, 1)).toBe(40);
  });

  test('a task still running past the last finish keeps the upper quantiles unknown', () => {
    const observations = [
      { timeMs: 10, event: true, weight: 1 },
      { timeMs: 50, event: false, weight: 1 },
      { timeMs: 50, event: false, weight: 1 },
    ];
    expect(quantileOfSurvival(observations, 0.3)).toBe(10);
    expect(quantileOfSurvival(observations, 0.5)).toBeNull();
  });

  test('censored tasks leave the risk set at their age, not before', () => {
    // Two finish at 10 and 30; one ran at least 20. P(≤10) = 1/3; then 1 − (2/3)(1 − 1/1) = 1 at 30.
    const observations = [
      { timeMs: 10, event: true, weight: 1 },
      { timeMs: 20, event: false, weight: 1 },
      { timeMs: 30, event: true, weight: 1 },
    ];
    expect(quantileOfSurvival(observations, 0.34)).toBe(30);
  });
});

describe('the completion learner', () => {
  test('a burst start: the low quantile is right while it runs, and both are right once it ended', () => {
    const tasks = burst(256, 1);
    const durations = tasks.map((task) => task.durationMs);
    const trueEarliest = quantile(durations, EARLIEST_QUANTILE);
    const trueMedian = quantile(durations, 0.5);
    const tenthDone = T0 + quantile(durations, 0.15) + 5_000;
    const allDone = T0 + Math.max(...durations) + 10_000;
    const seen: Record<string, ReturnType<CompletionLearner['estimate']>> = {};
    watch(tasks, { everyMs: 5_000, probes: [tenthDone, allDone] }, (learner, atMs) => {
      seen[atMs === allDone ? 'end' : 'early'] = learner.estimate(ten);
    });
    // Early: a window of completions alone holds only the fast ones and calls them typical.
    expectNear(seen.early?.earliestMs, trueEarliest, 0.12);
    expect(seen.early?.medianMs).toBeNull();
    // The end: the latest completions are the slowest ones; all starts count here.
    expectNear(seen.end?.earliestMs, trueEarliest, 0.12);
    expectNear(seen.end?.medianMs, trueMedian, 0.08);
    expect(seen.end?.source).toBe('learned');
  });

  test('bursts in a row: each new burst is judged by all of its tasks, not by its first finishers', () => {
    const first = burst(128, 2);
    const second = burst(128, 3).map((task) => ({ ...task, id: `${task.id}-2`, startMs: T0 + 600_000 }));
    const all = [...first, ...second];
    const probeAt =
      T0 +
      600_000 +
      quantile(
        second.map((t) => t.durationMs),
        0.6,
      );
    let estimate: ReturnType<CompletionLearner['estimate']> = null;
    watch(all, { everyMs: 5_000, probes: [probeAt] }, (learner) => (estimate = learner.estimate(ten)));
    const durations = all.map((task) => task.durationMs);
    expectNear(estimate!.earliestMs, quantile(durations, EARLIEST_QUANTILE), 0.12);
    expectNear(estimate!.medianMs, quantile(durations, 0.5), 0.1);
  });

  test('drifting durations: after Rivya slows down, the estimate follows', () => {
    const rand = random(4);
    const tasks: SimTask[] = Array.from({ length: 600 }, (_, i) => ({
      id: `d${i}`,
      key: ten,
      startMs: T0 + i * 10_000,
      durationMs: logNormal(rand, i < 300 ? 60_000 : 120_000, 0.3),
    }));
    const afterDrift = T0 + 599 * 10_000 + 400_000;
    let estimate: ReturnType<CompletionLearner['estimate']> = null;
    watch(tasks, { everyMs: 5_000, probes: [afterDrift] }, (learner) => (estimate = learner.estimate(ten)));
    const recent = tasks.slice(300).map((task) => task.durationMs);
    expectNear(estimate!.medianMs, quantile(recent, 0.5), 0.12);
    expectNear(estimate!.earliestMs, quantile(recent, EARLIEST_QUANTILE), 0.2);
  });

  test('mixed n_frames are learned apart', () => {
    const tens = burst(120, 5, 90_000, 0.3, ten);
    const fifteens = burst(120, 6, 200_000, 0.3, fifteen);
    const end = T0 + 2_000_000;
    let estimates: ReturnType<CompletionLearner['estimate']>[] = [];
    watch(
      [...tens, ...fifteens],
      { everyMs: 5_000, probes: [end] },
      (learner) => (estimates = [learner.estimate(ten), learner.estimate(fifteen)]),
    );
    expectNear(
      estimates[0]!.medianMs,
      quantile(
        tens.map((t) => t.durationMs),
        0.5,
      ),
      0.08,
    );
    expectNear(
      estimates[1]!.medianMs,
      quantile(
        fifteens.map((t) => t.durationMs),
        0.5,
      ),
      0.08,
    );
  });

  test('fast failures are not fast finishes', () => {
    const rand = random(7);
    const tasks: SimTask[] = Array.from({ length: 200 }, (_, i) => {
      const failed = i % 5 === 0; // a fifth fail within seconds (a refused prompt)
      return { id: `f${i}`, key: ten, startMs: T0 + i * 1_000, durationMs: failed ? 3_000 : logNormal(rand, 100_000, 0.3), failed };
    });
    let estimate: ReturnType<CompletionLearner['estimate']> = null;
    watch(tasks, { everyMs: 5_000, probes: [T0 + 1_000_000] }, (learner) => (estimate = learner.estimate(ten)));
    const successes = tasks.filter((task) => !task.failed).map((task) => task.durationMs);
    expectNear(estimate!.earliestMs, quantile(successes, EARLIEST_QUANTILE), 0.15);
    expectNear(estimate!.medianMs, quantile(successes, 0.5), 0.1);
  });

  test('completions by webhook teach it, and a webhook-watched task without an event is still running', () => {
    const tasks = burst(200, 8);
    const durations = tasks.map((task) => task.durationMs);
    const early = T0 + quantile(durations, 0.2);
    let estimate: ReturnType<CompletionLearner['estimate']> = null;
    watch(tasks, { everyMs: 0, byWebhook: true, probes: [early] }, (learner) => (estimate = learner.estimate(ten)));
    expectNear(estimate!.earliestMs, quantile(durations, EARLIEST_QUANTILE), 0.12);
    expect(estimate!.medianMs).toBeNull();
  });

  test('without enough completions nothing is learned; seeded records count as seeded until live ones arrive', () => {
    let now = T0;
    const learner = new CompletionLearner(5, () => now);
    const records = Array.from({ length: 8 }, (_, i) => ({
      ...ten,
      taskId: `s${i}`,
      createdAtMs: T0 - 3_600_000 + i,
      durationMs: 100_000 + i * 1_000,
    }));
    expect(learner.estimate(ten)).toBeNull();
    expect(learner.seed(records)).toBe(8);
    expect(learner.seed(records)).toBe(0); // the same runs read again: not counted twice
    expect(learner.estimate(ten)).toMatchObject({ source: 'seeded', samples: 8 });
    const live = burst(6, 9);
    for (const task of live) learner.noteTask(task.id, ten, task.startMs);
    now = T0 + 1_000_000;
    for (const task of live) learner.observe(snapshot(task, now));
    expect(learner.estimate(ten)).toMatchObject({ source: 'learned', samples: 14 });
  });
});
