/**
 * The waiting schedules compared: ours (the default — activity retries, expectation learned — the
 * same handed its expectation, the timer loop, webhooks with polling as a safety net), fixed
 * intervals standing for what users get from the peers' "create and wait" helpers (anchors.md), and
 * the fixed pollers that trace the frontier the default is judged against.
 * The workflow is the same; only `polling` and `completion` differ.
 */
import type { Sora2GenerationInput } from '../src/workflow';
import { pollingOptionsSchema } from '../workflows/generation/input';

export interface Policy {
  name: string;
  /** Who uses this schedule, for the report. */
  standsFor: string;
  /** Polling options in real (uncompressed) time. */
  polling: NonNullable<Sora2GenerationInput['polling']>;
  /**
   * Where the schedule's expected duration comes from. 'input' (default): the bench passes the
   * schedule's own expectation (compressed), as older runs did. 'worker': nothing is passed, so the
   * worker's learner (or, until it has seen enough completions, the built-in guess scaled by the
   * worker's `wait.priorScale`) decides — what a user who sets nothing gets.
   */
  expectation?: 'input' | 'worker';
  /** Complete by the simulator's signed webhooks (through the bench's receiver), polling as a safety net. */
  webhooks?: boolean;
  /** Share of this policy's webhook deliveries the simulator drops (its `drop` fault); needs `webhooks`. */
  webhookDropRate?: number;
  /** Run only on these distributions (omitted: every distribution of the run). */
  distributions?: readonly string[];
}

const fixed = (ms: number, jitterFraction = 0) => ({ firstCheckAfterMs: ms, minIntervalMs: ms, maxIntervalMs: ms, jitterFraction });

/** Distributions every policy runs on; the rest run only on `typical` (they add no information elsewhere). */
const ALL = undefined;
const TYPICAL_ONLY = ['typical'] as const;

/** What a user who sets nothing gets: activity retries, no webhooks, no expected duration (the worker's). */
export const DEFAULT_POLICY = 'default';
export const RETRIES_POLICY = 'adaptive, expectation given';
export const TIMER_POLICY = 'adaptive, timer loop';
export const WEBHOOKS_POLICY = 'webhooks on';
export const WEBHOOKS_DROPPED_POLICY = 'webhooks on, 10 % dropped';
export const FIXED_5S_POLICY = 'fixed 5 s';
/** The name the default schedule had in results files written before the retry form existed (timer loop). */
export const LEGACY_DEFAULT_POLICY = 'adaptive (ours)';
/**
 * Rows renamed since older results files were written: the row called "(default)" was handed the
 * built-in expectation in its input, while a user who sets nothing gets the learned one.
 */
export const RENAMED_POLICIES: Readonly<Record<string, string>> = {
  'adaptive, retries (default)': RETRIES_POLICY,
  'adaptive, learned expectation': DEFAULT_POLICY,
};

/** Fixed pollers at these intervals (s) run on every distribution: they trace the fixed-polling frontier. */
export const FRONTIER_INTERVALS_S = [2, 5, 10, 20] as const;
export const fixedPolicyName = (seconds: number) => `fixed ${seconds} s`;
export const FRONTIER_POLICIES: readonly string[] = FRONTIER_INTERVALS_S.map(fixedPolicyName);

const FRONTIER_STANDS_FOR: Record<number, string> = {
  2: 'a fixed poller of the frontier (dense)',
  5: "Vercel AI SDK generateVideo; Rivya's guidance",
  10: 'a fixed poller of the frontier',
  20: 'a fixed poller of the frontier (sparse)',
};

export const POLICIES: Policy[] = [
  {
    name: DEFAULT_POLICY,
    standsFor:
      'what a user who sets nothing gets: activity retries, no webhooks, expectation learned by the worker (built-in guess until then)',
    polling: { style: 'activity-retry' },
    expectation: 'worker',
    distributions: ALL,
  },
  {
    name: RETRIES_POLICY,
    standsFor: 'the same wait handed the built-in expectation in its input (the centre of "typical" by construction)',
    polling: { style: 'activity-retry' },
  },
  {
    name: TIMER_POLICY,
    standsFor: 'the same schedule on durable timers (the wait before activity retries)',
    polling: { style: 'timer' },
    distributions: TYPICAL_ONLY,
  },
  {
    name: WEBHOOKS_POLICY,
    standsFor: 'signed webhooks complete the run; status checks only as a safety net',
    polling: {},
    webhooks: true,
    distributions: TYPICAL_ONLY,
  },
  {
    name: WEBHOOKS_DROPPED_POLICY,
    standsFor: 'the same with 10 % of deliveries dropped by the simulator (the safety net must find those)',
    polling: {},
    webhooks: true,
    webhookDropRate: 0.1,
    distributions: TYPICAL_ONLY,
  },
  { name: 'fixed 0.5 s', standsFor: 'fal subscribe, Replicate run', polling: fixed(500), distributions: TYPICAL_ONLY },
  { name: 'fixed 1 s', standsFor: 'OpenAI create_and_poll', polling: fixed(1_000), distributions: TYPICAL_ONLY },
  ...FRONTIER_INTERVALS_S.map((s) => ({ name: fixedPolicyName(s), standsFor: FRONTIER_STANDS_FOR[s]!, polling: fixed(s * 1_000) })),
  { name: '6 s ± 1.5 s', standsFor: 'Runway waitForTaskOutput', polling: fixed(6_000, 0.25), distributions: TYPICAL_ONLY },
];

/** The policies that run on one distribution, in the table's order. */
export function policiesFor(distribution: string): Policy[] {
  return POLICIES.filter((p) => !p.distributions || p.distributions.includes(distribution));
}

/** The policy's options with every duration compressed by the run's time scale. */
export function scaledPolling(policy: Policy, timeScale: number, expectedDurationMs: number): Sora2GenerationInput['polling'] {
  // A policy that states its own expectation keeps it; otherwise the model's default applies.
  const full = pollingOptionsSchema.parse({ expectedDurationMs, ...policy.polling });
  const scale = (ms: number) => Math.max(1, Math.round(ms * timeScale));
  return {
    firstCheckAfterMs: scale(full.firstCheckAfterMs),
    minIntervalMs: scale(full.minIntervalMs),
    maxIntervalMs: scale(full.maxIntervalMs),
    // 'worker': no expectation in the input, so the worker's learner and its scaled prior apply.
    ...(policy.expectation === 'worker' ? {} : { expectedDurationMs: scale(full.expectedDurationMs!) }),
    jitterFraction: full.jitterFraction,
    deadlineMs: scale(full.deadlineMs),
    ...(full.style ? { style: full.style } : {}),
  };
}

/**
 * What the input floor (INPUT_LIMITS.minPollIntervalMs: waits under 1 s are raised to 1 s; the
 * retry form never retries sooner than 1 s) does to a policy at a time scale: the compressed waits
 * it raises, in real-time seconds. Empty: the policy runs undistorted at this scale.
 */
export function floorDistortion(policy: Policy, timeScale: number): string[] {
  const full = pollingOptionsSchema.parse({ ...policy.polling });
  const raw = { firstCheckAfterMs: 2_500, minIntervalMs: 4_500, maxIntervalMs: 60_000, ...policy.polling };
  const notes: string[] = [];
  for (const key of ['firstCheckAfterMs', 'minIntervalMs'] as const) {
    const wanted = (raw[key] ?? full[key]) * timeScale;
    // The densest wait after jitter: the lower edge the floor must not cut.
    const lowest = key === 'minIntervalMs' ? wanted * (1 - full.jitterFraction) : wanted;
    if (lowest < 1_000) notes.push(`${key} ${(raw[key] ?? full[key]) / 1000} s → ${round1(1_000 / timeScale / 1000)} s`);
  }
  return notes;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
