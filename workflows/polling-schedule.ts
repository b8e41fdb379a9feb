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
 */
import type { PollingOptions } from './input';
import type { SoraModel } from '../src/rivya/models';

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
export function nextPollDelayMs(timing: PollTiming, polling: PollingOptions): number {
  let base: number;
  if (timing.pollsSoFar === 0) {
    base = Math.max(polling.firstCheckAfterMs - timing.elapsedMs, 0);
  } else if (timing.elapsedMs < timing.expectedMs * EARLIEST_FINISH_FRACTION) {
    base = clamp(timing.expectedMs * EARLIEST_FINISH_FRACTION - timing.elapsedMs, polling.minIntervalMs, polling.maxIntervalMs);
  } else if (timing.elapsedMs < timing.expectedMs * OVERDUE_AFTER_FACTOR) {
    base = polling.minIntervalMs;
  } else {
    base = clamp(polling.minIntervalMs * OVERDUE_BACKOFF ** timing.overduePolls, polling.minIntervalMs, polling.maxIntervalMs);
  }
  const jittered = timing.pollsSoFar === 0 ? base : base * jitterFactor(timing.jitterKey, timing.pollsSoFar, polling.jitterFraction);
  return Math.max(0, Math.round(Math.min(jittered, timing.remainingBeforeDeadlineMs)));
}
