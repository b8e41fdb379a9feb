/**
 * The fixed-polling frontier (issue #26 item 4): fixed pollers at several intervals trace how much
 * latency each number of status calls buys; a schedule worth having sits on or below that line. The
 * judgement compares a schedule's p50 and p95 with the frontier's interpolated at the schedule's
 * own number of calls, from bootstrap intervals of the difference.
 */
import { seededRandom } from '../simulator/random';
import { intervalVerdict, percentile, type Verdict } from './stats';

/** One row's per-generation samples, in the same order: status calls and detection latency (s). */
export interface CallsAndLatencies {
  calls: readonly number[];
  latencies: readonly number[];
}

export interface FrontierPoint {
  calls: number;
  latency: number;
}

/**
 * The pollers no other beats on both counts, ordered by calls: a poller that spends more calls for a
 * later detection than another (noise, late timers) is not part of what fixed polling achieves.
 */
export function paretoFrontier(points: readonly FrontierPoint[]): FrontierPoint[] {
  const sorted = [...points].sort((a, b) => a.calls - b.calls || a.latency - b.latency);
  const kept: FrontierPoint[] = [];
  for (const p of sorted) if (kept.length === 0 || p.latency < kept[kept.length - 1]!.latency) kept.push(p);
  return kept;
}

/**
 * The frontier's latency at `calls`: linear between the neighbouring undominated pollers (ordered by
 * calls), flat beyond the ends — below the sparsest poller's calls the bar is that poller's latency
 * (stricter than the frontier would be), above the densest poller's calls it is the densest poller's
 * (more lenient).
 */
export function frontierAt(points: readonly FrontierPoint[], calls: number): number {
  const sorted = paretoFrontier(points);
  if (sorted.length === 0) return Number.NaN;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (calls <= first.calls) return first.latency;
  if (calls >= last.calls) return last.latency;
  const upper = sorted.findIndex((p) => p.calls >= calls);
  const [a, b] = [sorted[upper - 1]!, sorted[upper]!];
  return b.calls === a.calls
    ? Math.min(a.latency, b.latency)
    : a.latency + ((calls - a.calls) / (b.calls - a.calls)) * (b.latency - a.latency);
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/** The frontier through the pollers' mean calls and p-th percentile latency. */
export const frontierPoints = (pollers: readonly CallsAndLatencies[], p: number): FrontierPoint[] =>
  pollers.map((q) => ({ calls: mean(q.calls), latency: percentile(q.latencies, p) }));

/** A schedule's p-th percentile latency minus the frontier's at its mean calls. */
export function frontierDifference(candidate: CallsAndLatencies, pollers: readonly CallsAndLatencies[], p: number): number {
  return percentile(candidate.latencies, p) - frontierAt(frontierPoints(pollers, p), mean(candidate.calls));
}

/** Resamples generations, keeping each generation's calls and latency together. */
function resampler(random: () => number) {
  return (s: CallsAndLatencies): CallsAndLatencies => {
    const picks = Array.from(s.calls, () => Math.floor(random() * s.calls.length));
    return { calls: picks.map((i) => s.calls[i]!), latencies: picks.map((i) => s.latencies[i]!) };
  };
}

/**
 * Percentile bootstrap 95 % interval of `frontierDifference`: the schedule and every poller are
 * resampled together, so the frontier's own noise widens the interval.
 */
export function frontierDifferenceInterval(
  candidate: CallsAndLatencies,
  pollers: readonly CallsAndLatencies[],
  p: number,
  resamples = 2_000,
  seed = 7,
): [number, number] {
  const resample = resampler(seededRandom(seed));
  const differences = Array.from({ length: resamples }, () => frontierDifference(resample(candidate), pollers.map(resample), p));
  return [percentile(differences, 2.5), percentile(differences, 97.5)];
}

export const FRONTIER_RULE =
  "met only if the 95 % intervals (bootstrap over generations, the pollers resampled too) of p50(default) − p50(frontier) and of p95(default) − p95(frontier) both lie at or below 0, the frontier read at the default's mean calls (linear between the undominated fixed pollers, flat beyond the sparsest and the densest); not met if either lies wholly above 0; otherwise not distinguishable from noise";

export interface FrontierJudgement {
  verdict: Verdict;
  calls: number;
  p50: { value: number; frontier: number; interval: [number, number]; verdict: Verdict };
  p95: { value: number; frontier: number; interval: [number, number]; verdict: Verdict };
  /** Where the default's calls fall against the pollers' range (the frontier is flat outside it). */
  position: 'within the pollers' | 'fewer calls than the sparsest poller' | 'more calls than the densest poller';
}

/** The default against the frontier of `pollers` (at least two), p50 and p95 both. */
export function judgeAgainstFrontier(candidate: CallsAndLatencies, pollers: readonly CallsAndLatencies[]): FrontierJudgement {
  const calls = mean(candidate.calls);
  const one = (p: number) => {
    const interval = frontierDifferenceInterval(candidate, pollers, p);
    return {
      value: percentile(candidate.latencies, p),
      frontier: frontierAt(frontierPoints(pollers, p), calls),
      interval,
      verdict: intervalVerdict(interval, { atMost: 0 }),
    };
  };
  const [p50, p95] = [one(50), one(95)];
  const verdict: Verdict =
    p50.verdict === 'not met' || p95.verdict === 'not met'
      ? 'not met'
      : p50.verdict === 'met' && p95.verdict === 'met'
        ? 'met'
        : 'not distinguishable from noise';
  const range = pollers.map((q) => mean(q.calls));
  const position =
    calls < Math.min(...range)
      ? 'fewer calls than the sparsest poller'
      : calls > Math.max(...range)
        ? 'more calls than the densest poller'
        : 'within the pollers';
  return { verdict, calls, p50, p95, position };
}
