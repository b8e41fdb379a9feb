/**
 * When to check the task next. Pure and deterministic, so it runs inside the workflow and in the
 * benchmarks alike.
 *
 * The shape, for a task expected to take E (by model and n_frames, or `expectedDurationMs`):
 *   - first check `firstCheckAfterMs` after create (Rivya: ~2–3 s), which catches instant failures;
 *   - sparse early: then one long wait (capped at `maxIntervalMs`) until the earliest plausible
 *     finish, E/2 — the calls a fixed poller spends while the video cannot be ready are skipped;
 *   - dense around and after the expected finish: every `minIntervalMs` (4.5 s, a little under
 *     Rivya's 5 s guidance) until 4·E, so most finishes are seen within a couple of seconds;
 *   - overdue past 4·E: back off ×1.5 per poll up to `maxIntervalMs` (a stuck task should not
 *     cost a call every few seconds for an hour);
 *   - ±`jitterFraction` (10 %) deterministic jitter per (workflow id, poll number), so thousands
 *     of workflows started together don't poll in lockstep, and a replay computes the same timers;
 *   - never past the deadline.
 *
 * Three refinements sit on that shape (issue #13):
 *   - an `Expectation` says where E comes from: the input, durations the worker has learned from
 *     completed tasks (`earliestMs` from their fastest, so dense checks start where real tasks
 *     start finishing), or the built-in guess — whose sparse wait is capped, because a guess that
 *     is 4× too slow would otherwise sit out most of a fast task;
 *   - `safetyNetDelayMs`: with webhooks on, a check is only insurance against a lost delivery, so
 *     the first one comes at twice the expected duration and the next ones sparsely;
 *   - `retryCheckDelayMs`: the same schedule for the status activity that waits by retrying, which
 *     keeps no per-poll state, so its overdue back-off grows with overdue time instead.
 */
import type { PollingOptions } from './input';
import type { SoraModel } from '../../src/contract/models';

/** Typical Sora 2 durations (Rivya's guidance: "slower for long video"); override per input. */
const EXPECTED_DURATION_MS: Record<SoraModel, Record<string, number>> = {
  'sora-2': { '10': 120_000, '15': 180_000 },
  'sora-2-pro': { '10': 300_000, '15': 450_000 },
};

export const JITTER_FRACTION = 0.1;
/** The earliest plausible finish, as a share of the expected duration. */
export const EARLIEST_FINISH_FRACTION = 0.5;
/** Past this multiple of the expected duration the task counts as overdue. */
export const OVERDUE_AFTER_FACTOR = 4;
const OVERDUE_BACKOFF = 1.5;

export function expectedDurationMs(model: SoraModel, nFrames: string, polling: Pick<PollingOptions, 'expectedDurationMs'>): number {
  return polling.expectedDurationMs ?? EXPECTED_DURATION_MS[model][nFrames] ?? EXPECTED_DURATION_MS[model]['10']!;
}

/** The polling options the schedule reads. */
export type ScheduleOptions = Pick<PollingOptions, 'firstCheckAfterMs' | 'minIntervalMs' | 'maxIntervalMs' | 'jitterFraction'>;

/** What the worker's learner estimates of one model and n_frames (Rivya's created_at → updated_at). */
export interface LearnedDuration {
  /** The estimated median; null while too few tasks have finished to know it (a burst still running). */
  medianMs: number | null;
  /** A low quantile: where dense checks start. */
  earliestMs: number;
  /** Completions the estimate rests on. */
  samples: number;
  /** From completions this worker saw, or seeded from closed runs at start (a warm start). */
  source: 'learned' | 'seeded';
}

/** What the schedule expects of this task, and why. */
export interface Expectation {
  expectedMs: number;
  /** Dense checks start here. */
  earliestMs: number;
  /** The longest sparse wait before `earliestMs`; null: `maxIntervalMs`. */
  sparseCapMs: number | null;
  source: ExpectationSource;
}

/** Where an expectation came from: the input, the worker's learner, closed runs read at start, or the guess. */
export type ExpectationSource = 'input' | 'learned' | 'seeded' | 'built-in';

/** The built-in expectation is a guess: until completions are seen, no sparse wait is longer than this. */
export const UNLEARNED_SPARSE_CAP_MS = 15_000;
/** Below this many completions a learned low quantile is still rough: the sparse wait is split. */
export const CONFIDENT_SAMPLES = 20;
/** A rough learned expectation splits its sparse wait into at least this many checks. */
const ROUGH_SPARSE_SPLIT = 4;

export function expectationFor(
  model: SoraModel,
  nFrames: string,
  polling: Pick<PollingOptions, 'expectedDurationMs'>,
  learned: LearnedDuration | null,
  /** Multiplies the built-in guess and its sparse cap (a time-compressed benchmark; a faster Rivya tier). */
  priorScale = 1,
): Expectation {
  if (polling.expectedDurationMs !== undefined) {
    const expectedMs = polling.expectedDurationMs;
    return { expectedMs, earliestMs: expectedMs * EARLIEST_FINISH_FRACTION, sparseCapMs: null, source: 'input' };
  }
  const guessMs = expectedDurationMs(model, nFrames, polling) * priorScale;
  const guess: Expectation = {
    expectedMs: guessMs,
    earliestMs: guessMs * EARLIEST_FINISH_FRACTION,
    sparseCapMs: UNLEARNED_SPARSE_CAP_MS * priorScale,
    source: 'built-in',
  };
  if (!learned) return guess;
  if (learned.medianMs === null) {
    // Only the fast end is known (a burst whose first tasks finished): dense checks start there,
    // the rest of the shape stays the guess's — never later than the guess would have started.
    return { ...guess, earliestMs: Math.min(guess.earliestMs, learned.earliestMs), source: learned.source };
  }
  const rough = learned.samples < CONFIDENT_SAMPLES;
  return {
    expectedMs: learned.medianMs,
    earliestMs: learned.earliestMs,
    // A low quantile from a few completions may be late: check a few times on the way to it.
    sparseCapMs: rough ? learned.earliestMs / ROUGH_SPARSE_SPLIT : null,
    source: learned.source,
  };
}

/**
 * Bounded lateness: once a task is past its earliest plausible finish, no two checks are further
 * apart than this — a quarter of the expected duration, within [min, max] interval. Dense checks
 * (every `minIntervalMs`) already hold it up to the overdue point; it caps the overdue back-off,
 * so a task that finishes late is noticed within a quarter of a typical run, not a full `maxIntervalMs`.
 */
export function latenessBoundMs(expectedMs: number, polling: ScheduleOptions): number {
  return clamp(expectedMs / 4, polling.minIntervalMs, polling.maxIntervalMs);
}

export interface PollTiming {
  /** Time since the task was created. */
  elapsedMs: number;
  /** Status checks already made for this task. */
  pollsSoFar: number;
  /** Checks made since the task became overdue (past OVERDUE_AFTER_FACTOR × expected). */
  overduePolls: number;
  expectedMs: number;
  /** Time left before the workflow's deadline. */
  remainingBeforeDeadlineMs: number;
  jitterKey: string;
  /** Where dense checks start; absent: E/2 (the schedule of histories recorded before learning existed). */
  earliestMs?: number;
  /** Longest sparse wait; absent or null: `maxIntervalMs`. */
  sparseCapMs?: number | null;
}

/** FNV-1a: a stable hash for the jitter — same input, same delay, on every replay. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function jitterFactor(key: string, poll: number, fraction: number = JITTER_FRACTION): number {
  const unit = hash32(`${key}#${poll}`) / 0xffffffff; // [0, 1]
  return 1 + (unit * 2 - 1) * fraction;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** Delay before the next status check, in ms. */
export function nextPollDelayMs(timing: PollTiming, polling: ScheduleOptions): number {
  return finish(baseDelayMs(timing, polling, 'per-poll'), timing, polling);
}

/** The wait before jitter; `overdue` says how the back-off past 4·E grows (see retryCheckDelayMs). */
function baseDelayMs(timing: PollTiming, polling: ScheduleOptions, overdue: 'per-poll' | 'by-elapsed'): number {
  const earliestMs = timing.earliestMs ?? timing.expectedMs * EARLIEST_FINISH_FRACTION;
  const overdueAtMs = timing.expectedMs * OVERDUE_AFTER_FACTOR;
  if (timing.pollsSoFar === 0) return Math.max(polling.firstCheckAfterMs - timing.elapsedMs, 0);
  if (timing.elapsedMs < earliestMs) {
    const cap = Math.min(timing.sparseCapMs ?? polling.maxIntervalMs, polling.maxIntervalMs);
    return clamp(earliestMs - timing.elapsedMs, polling.minIntervalMs, Math.max(cap, polling.minIntervalMs));
  }
  if (timing.elapsedMs < overdueAtMs) return polling.minIntervalMs;
  const growth =
    overdue === 'per-poll'
      ? polling.minIntervalMs * OVERDUE_BACKOFF ** timing.overduePolls
      : // A quarter of the time overdue so far: geometric spacing without counting polls.
        (timing.elapsedMs - overdueAtMs) / 4;
  return clamp(growth, polling.minIntervalMs, latenessBoundMs(timing.expectedMs, polling));
}

/** Jitter (except on the first check), never past the deadline. */
function finish(base: number, timing: PollTiming, polling: ScheduleOptions): number {
  const jittered = timing.pollsSoFar === 0 ? base : base * jitterFactor(timing.jitterKey, timing.pollsSoFar, polling.jitterFraction);
  return Math.max(0, Math.round(Math.min(jittered, timing.remainingBeforeDeadlineMs)));
}

/** With webhooks on, the first safety-net check comes at this multiple of the expected duration. */
export const SAFETY_NET_FIRST_CHECK_FACTOR = 2;

/**
 * With webhooks on: checks only in case a delivery was lost. The first at twice the expected
 * duration (a webhook normally arrives long before), then every E/2 within [min, max] interval.
 */
export function safetyNetDelayMs(timing: PollTiming, polling: ScheduleOptions): number {
  const base =
    timing.pollsSoFar === 0
      ? Math.max(SAFETY_NET_FIRST_CHECK_FACTOR * timing.expectedMs - timing.elapsedMs, polling.firstCheckAfterMs)
      : clamp(timing.expectedMs * EARLIEST_FINISH_FRACTION, polling.minIntervalMs, polling.maxIntervalMs);
  return finish(base, timing, polling);
}

/**
 * The schedule for the status activity that waits by retrying: the same shape as
 * `nextPollDelayMs` (or the safety net with webhooks), computed from elapsed time and the number
 * of checks so far alone, since retries carry no state between attempts.
 */
export function retryCheckDelayMs(timing: PollTiming, polling: ScheduleOptions, webhooks: boolean): number {
  if (webhooks) return safetyNetDelayMs(timing, polling);
  return finish(baseDelayMs(timing, polling, 'by-elapsed'), timing, polling);
}
