/**
 * The task-duration distributions the waiting policies are compared on (time-compressed in the
 * runs), and the report's description of each.
 */
import { expectedDurationMs } from '../../workflows/generation/polling-schedule';
import { round } from '../stats';

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

/** The burst start (issue #26): judged separately on a fresh and on a warm worker. */
export const BURST_DISTRIBUTION = 'burst';

export const DISTRIBUTIONS: DurationDistribution[] = [
  // Centred on the schedule's own expectation (120 s / 180 s): the case it was tuned for.
  { name: 'typical', queuedS: [2, 10], processingS: { '10': [60, 150], '15': [90, 240] } },
  { name: 'long-tail', queuedS: [2, 30], processingS: { '10': [30, 400], '15': [60, 600] } },
  aroundExpectation('fast-4x', 0.25),
  aroundExpectation('slow-4x', 4),
  // All tasks of a batch begin together (queued at most 1 s) and spread wide, 0.25–2 × the schedule's
  // expectation: the fast ones finish first, which is what biases a learner fed in completion order.
  // Round 1 runs on a fresh worker, later rounds on the warm worker that learned from round 1.
  { name: BURST_DISTRIBUTION, queuedS: [0, 1], processingS: { '10': [30, 240], '15': [45, 360] } },
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
