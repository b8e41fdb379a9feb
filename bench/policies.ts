/**
 * The waiting schedules compared: ours, and fixed intervals standing for what users get from the
 * peers' "create and wait" helpers (anchors.md). The workflow is the same; only `polling` differs.
 */
import type { Sora2GenerationInput } from '../src/workflow';
import { pollingOptionsSchema } from '../workflows/input';

export interface Policy {
  name: string;
  /** Who uses this schedule, for the report. */
  standsFor: string;
  /** Polling options in real (uncompressed) time. */
  polling: NonNullable<Sora2GenerationInput['polling']>;
}

const fixed = (ms: number, jitterFraction = 0) => ({ firstCheckAfterMs: ms, minIntervalMs: ms, maxIntervalMs: ms, jitterFraction });

export const POLICIES: Policy[] = [
  { name: 'adaptive (ours)', standsFor: "this plugin's default schedule", polling: {} },
  { name: 'fixed 0.5 s', standsFor: 'fal subscribe, Replicate run', polling: fixed(500) },
  { name: 'fixed 1 s', standsFor: 'OpenAI create_and_poll', polling: fixed(1_000) },
  { name: 'fixed 5 s', standsFor: "Vercel AI SDK generateVideo; Rivya's guidance", polling: fixed(5_000) },
  { name: '6 s ± 1.5 s', standsFor: 'Runway waitForTaskOutput', polling: fixed(6_000, 0.25) },
];

/** The policy's options with every duration compressed by the run's time scale. */
export function scaledPolling(policy: Policy, timeScale: number, expectedDurationMs: number): Sora2GenerationInput['polling'] {
  // A policy that states its own expectation keeps it; otherwise the model's default applies.
  const full = pollingOptionsSchema.parse({ expectedDurationMs, ...policy.polling });
  const scale = (ms: number) => Math.max(1, Math.round(ms * timeScale));
  return {
    firstCheckAfterMs: scale(full.firstCheckAfterMs),
    minIntervalMs: scale(full.minIntervalMs),
    maxIntervalMs: scale(full.maxIntervalMs),
    expectedDurationMs: scale(full.expectedDurationMs!),
    jitterFraction: full.jitterFraction,
    deadlineMs: scale(full.deadlineMs),
  };
}
