import { seededRandom } from '../src/simulator/random';

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
