import { seededRandom } from '../simulator/random';

/** Order statistics for noisy measurements: medians and tail percentiles, never means alone. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export const median = (values: readonly number[]) => percentile(values, 50);

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Least-squares slope of ys over xs: e.g. history events added per status poll. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/**
 * Percentile bootstrap 95 % interval for median(a) − median(b): how far apart two medians of
 * noisy samples really are (an interval that straddles 0 means "no measurable difference").
 */
export function medianDifferenceInterval(a: readonly number[], b: readonly number[], resamples = 4_000, seed = 7): [number, number] {
  const random = seededRandom(seed); // reproducible from the run's JSON
  const resample = (values: readonly number[]) => Array.from(values, () => values[Math.floor(random() * values.length)]!);
  const differences = Array.from({ length: resamples }, () => median(resample(a)) - median(resample(b)));
  return [percentile(differences, 2.5), percentile(differences, 97.5)];
}

/** Percentile bootstrap 95 % interval for mean(a) − mean(b) (e.g. status calls per generation). */
export function meanDifferenceInterval(a: readonly number[], b: readonly number[], resamples = 4_000, seed = 7): [number, number] {
  const random = seededRandom(seed);
  const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const resample = (values: readonly number[]) => Array.from(values, () => values[Math.floor(random() * values.length)]!);
  const differences = Array.from({ length: resamples }, () => mean(resample(a)) - mean(resample(b)));
  return [percentile(differences, 2.5), percentile(differences, 97.5)];
}

/** Percentile bootstrap 95 % interval of a least-squares slope, resampling (x, y) pairs. */
export function slopeInterval(xs: readonly number[], ys: readonly number[], resamples = 2_000, seed = 7): [number, number] {
  const random = seededRandom(seed);
  const slopes: number[] = [];
  for (let r = 0; r < resamples; r += 1) {
    const picks = Array.from(xs, () => Math.floor(random() * xs.length));
    const s = slope(
      picks.map((i) => xs[i]!),
      picks.map((i) => ys[i]!),
    );
    if (Number.isFinite(s)) slopes.push(s);
  }
  return [percentile(slopes, 2.5), percentile(slopes, 97.5)];
}

export type Verdict = 'met' | 'not met' | 'not distinguishable from noise';

/**
 * The only way a target gets a word: from the 95 % interval of the quantity against its limit.
 * `met` only if the whole interval satisfies the target, `not met` only if the whole interval
 * violates it, otherwise `not distinguishable from noise`.
 */
export function intervalVerdict(interval: [number, number], target: { atMost: number } | { below: number }): Verdict {
  const [low, high] = interval;
  if ('atMost' in target) return high <= target.atMost ? 'met' : low > target.atMost ? 'not met' : 'not distinguishable from noise';
  return high < target.below ? 'met' : low >= target.below ? 'not met' : 'not distinguishable from noise';
}

/** Percentile bootstrap 95 % interval of the p-th percentile of one sample (e.g. a p95 against a limit). */
export function percentileInterval(values: readonly number[], p: number, resamples = 4_000, seed = 7): [number, number] {
  const random = seededRandom(seed);
  const resample = () => Array.from(values, () => values[Math.floor(random() * values.length)]!);
  const estimates = Array.from({ length: resamples }, () => percentile(resample(), p));
  return [percentile(estimates, 2.5), percentile(estimates, 97.5)];
}

/** Percentile bootstrap 95 % interval of the mean of one sample (e.g. status calls per generation). */
export function meanInterval(values: readonly number[], resamples = 4_000, seed = 7): [number, number] {
  const random = seededRandom(seed);
  const estimates = Array.from({ length: resamples }, () => {
    let sum = 0;
    for (let i = 0; i < values.length; i += 1) sum += values[Math.floor(random() * values.length)]!;
    return sum / values.length;
  });
  return [percentile(estimates, 2.5), percentile(estimates, 97.5)];
}

/** Percentile bootstrap 95 % interval of median(a) / median(b) (e.g. "within 1.5× of the 5 s poller"). */
export function medianRatioInterval(a: readonly number[], b: readonly number[], resamples = 4_000, seed = 7): [number, number] {
  const random = seededRandom(seed);
  const resample = (values: readonly number[]) => Array.from(values, () => values[Math.floor(random() * values.length)]!);
  const ratios = Array.from({ length: resamples }, () => median(resample(a)) / Math.max(median(resample(b)), 1e-9));
  return [percentile(ratios, 2.5), percentile(ratios, 97.5)];
}
