/**
 * An honest ETA. Rivya reports no progress, so the only thing to go on is how long tasks of the
 * same model and n_frames took: the worker's learned distribution (activities/completion-learner.ts,
 * Kaplan–Meier), handed to the workflow as a handful of quantiles in the create's plan (history
 * stays tiny). From them, and the time the task has already run:
 *
 *   finish ≈ created + E[T | T > elapsed]      progress ≈ elapsed / E[T | T > elapsed]
 *
 * Conditional on the time already waited, the estimate moves out once a task is slower than most
 * (a naive elapsed / median passes 100 % there); progress stays below 100 % — capped at 99 — until
 * the task has actually ended. Without learned durations it is "unknown", never a guess dressed
 * as data. Pure and workflow-safe: the workflow, the CLI and the tests share it.
 */

/** One point of the duration distribution: P(duration ≤ ms) = q. */
export type DurationQuantile = readonly [q: number, ms: number];

/** What the create activity hands the workflow: a few quantiles and what they rest on. */
export interface LearnedQuantiles {
  source: 'learned' | 'seeded';
  /** Completions the quantiles rest on. */
  samples: number;
  /** Ascending in q and ms; each q in (0, 1). */
  points: DurationQuantile[];
}

/** The quantiles the learner hands over: enough for the shape, few enough for history. */
export const ETA_QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

/** Progress shown while the task runs never reaches this: only an ended task is at 100 %. */
export const MAX_RUNNING_PROGRESS = 99;

/** The smallest tail scale: below Temporal's 1 s timer resolution an estimate means nothing. */
const MIN_TAIL_SCALE_MS = 1_000;

export interface EtaStatus {
  /**
   * 'estimate': from learned durations (always an estimate: Rivya reports no progress);
   * 'unknown': no data yet (too few finished tasks, no task yet, or a run recorded before ETAs);
   * 'finished': the task has ended.
   */
  kind: 'estimate' | 'unknown' | 'finished';
  /** ISO time the task is expected to finish by; null unless an estimate. */
  finishAt: string | null;
  /** 0–99 while running, 100 once ended; null when unknown. */
  progressPercent: number | null;
  /** The time the figures were computed for (workflow time of the latest check, webhook or step). */
  asOf: string;
  /** The figures' inputs, so a client can recompute them with its own clock between the run's steps. */
  taskCreatedAt: string | null;
  durations: LearnedQuantiles | null;
}

/**
 * The knots of the survival function, piecewise linear through the quantiles. Points out of
 * order or outside (0, 1) are dropped; quantiles at the same time make a step down (a narrow
 * distribution is a step, not a slope). Below the first quantile the first segment's slope is
 * extended down to where the survival is 1 (never below 0 ms): no mass is invented near zero.
 */
function knotsOf(points: readonly DurationQuantile[]): Array<{ t: number; s: number }> {
  const kept: Array<{ t: number; s: number }> = [];
  for (const [q, ms] of [...points].sort((a, b) => a[0] - b[0])) {
    if (!(q > 0 && q < 1) || !Number.isFinite(ms) || ms < 0) continue;
    const last = kept[kept.length - 1];
    if (last && (ms < last.t || 1 - q >= last.s)) continue; // not ascending in both
    kept.push({ t: ms, s: 1 - q }); // the same time as the last: a step down (zero width)
  }
  if (kept.length === 0) return [];
  const [first, second] = kept;
  const startMs = second ? Math.max(0, first!.t - ((1 - first!.s) * (second.t - first!.t)) / (first!.s - second.s)) : 0;
  return [...(startMs > 0 ? [{ t: 0, s: 1 }] : []), { t: startMs, s: 1 }, ...kept];
}

/**
 * E[T | T > elapsedMs]: the survival function is linear between the quantiles and, past the last
 * one, an exponential tail whose density meets the last segment's (so the mean residual time is
 * constant there and the estimate moves out with every second waited).
 * Null without at least one usable quantile.
 */
export function conditionalMeanMs(points: readonly DurationQuantile[], elapsedMs: number): number | null {
  const knots = knotsOf(points);
  if (knots.length < 2) return null;
  const e = Math.max(0, elapsedMs);
  const last = knots[knots.length - 1]!;
  const beforeLast = knots[knots.length - 2]!;
  // The tail's density meets the last segment's; after a step (zero width) the shortest tail.
  const width = last.t - beforeLast.t;
  const tailScaleMs = width > 0 ? Math.max((last.s * width) / (beforeLast.s - last.s), MIN_TAIL_SCALE_MS) : MIN_TAIL_SCALE_MS;
  const survivalAt = (t: number): number => {
    if (t >= last.t) return last.s * Math.exp(-(t - last.t) / tailScaleMs);
    const i = knots.findIndex((knot) => knot.t > t);
    const a = knots[i - 1]!;
    const b = knots[i]!;
    return a.s + ((b.s - a.s) * (t - a.t)) / (b.t - a.t);
  };
  // ∫_e^∞ S(t) dt: trapezoids over the segments still ahead, then the tail.
  let area = 0;
  for (let i = 1; i < knots.length; i += 1) {
    const a = knots[i - 1]!;
    const b = knots[i]!;
    if (b.t <= e) continue;
    const from = Math.max(a.t, e);
    area += ((survivalAt(from) + b.s) / 2) * (b.t - from);
  }
  area += survivalAt(Math.max(e, last.t)) * tailScaleMs;
  return e + area / survivalAt(e);
}

export interface EtaFacts {
  durations: LearnedQuantiles | null | undefined;
  /** When the task was created (epoch ms); null before it exists. */
  taskCreatedAtMs: number | null;
  nowMs: number;
  /** The task has ended (succeeded or failed). */
  ended: boolean;
}

/** The ETA as the status shows it. */
export function etaOf({ durations, taskCreatedAtMs, nowMs, ended }: EtaFacts): EtaStatus {
  const base = {
    asOf: new Date(nowMs).toISOString(),
    taskCreatedAt: taskCreatedAtMs === null ? null : new Date(taskCreatedAtMs).toISOString(),
    durations: durations ?? null,
  };
  if (ended) return { kind: 'finished', finishAt: null, progressPercent: 100, ...base };
  const meanMs = durations && taskCreatedAtMs !== null ? conditionalMeanMs(durations.points, nowMs - taskCreatedAtMs) : null;
  if (meanMs === null || taskCreatedAtMs === null) return { kind: 'unknown', finishAt: null, progressPercent: null, ...base };
  const elapsedMs = Math.max(0, nowMs - taskCreatedAtMs);
  return {
    kind: 'estimate',
    finishAt: new Date(taskCreatedAtMs + Math.round(meanMs)).toISOString(),
    progressPercent: Math.min(MAX_RUNNING_PROGRESS, Math.floor((100 * elapsedMs) / meanMs)),
    ...base,
  };
}

/** The same ETA recomputed for another moment (a client's clock between the run's steps). */
export function etaAt(eta: EtaStatus, nowMs: number): EtaStatus {
  if (eta.kind !== 'estimate' || eta.taskCreatedAt === null) return eta;
  return etaOf({ durations: eta.durations, taskCreatedAtMs: Date.parse(eta.taskCreatedAt), nowMs, ended: false });
}

/** "est. finish 12:34:56Z (~40 %, from 23 learned durations)", "ETA unknown (no learned durations yet)". */
export function describeEta(eta: EtaStatus): string {
  if (eta.kind === 'finished') return 'finished';
  if (eta.kind === 'unknown') return 'ETA unknown (no learned durations yet; Rivya reports no progress)';
  const basis = eta.durations ? `, from ${eta.durations.samples} ${eta.durations.source} durations` : '';
  return `est. finish ${eta.finishAt!.slice(11, 19)}Z (~${eta.progressPercent} %${basis})`;
}
