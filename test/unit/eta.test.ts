/**
 * The ETA's math (workflows/generation/eta.ts): conditional on the time already waited, never past
 * 100 %, "unknown" without learned durations. The naive elapsed / median is the baseline it must beat.
 */
import { CompletionLearner } from '../../activities/completion-learner';
import {
  conditionalMeanMs,
  describeEta,
  ETA_QUANTILES,
  etaAt,
  etaOf,
  MAX_RUNNING_PROGRESS,
  type LearnedQuantiles,
} from '../../workflows/generation/eta';

const durations: LearnedQuantiles = {
  source: 'learned',
  samples: 40,
  points: [
    [0.1, 40_000],
    [0.25, 50_000],
    [0.5, 60_000],
    [0.75, 75_000],
    [0.9, 90_000],
  ],
};
const created = Date.parse('2026-01-01T00:00:00Z');
const at = (elapsedMs: number) => etaOf({ durations, taskCreatedAtMs: created, nowMs: created + elapsedMs, ended: false });

describe('conditionalMeanMs', () => {
  it('at the start is the mean of the distribution: near the median, above the 10th percentile', () => {
    const mean = conditionalMeanMs(durations.points, 0)!;
    expect(mean).toBeGreaterThan(55_000);
    expect(mean).toBeLessThan(70_000);
  });

  it('is always later than the time already waited, and moves out once past the median', () => {
    let previous = 0;
    for (let elapsed = 0; elapsed <= 600_000; elapsed += 5_000) {
      const mean = conditionalMeanMs(durations.points, elapsed)!;
      expect(mean).toBeGreaterThan(elapsed);
      expect(mean).toBeGreaterThanOrEqual(previous - 1e-6); // E[T | T > e] never moves earlier
      previous = mean;
    }
    expect(conditionalMeanMs(durations.points, 120_000)!).toBeGreaterThan(120_000);
    expect(conditionalMeanMs(durations.points, 120_000)!).toBeGreaterThan(conditionalMeanMs(durations.points, 60_000)!);
  });

  it('a narrow distribution (every task takes ~the same) is a step: the mean stays near it, not spread from zero', () => {
    const same = ETA_QUANTILES.map((q) => [q, 1_800] as const);
    const mean = conditionalMeanMs(same, 0)!;
    expect(mean).toBeGreaterThanOrEqual(1_800);
    expect(mean).toBeLessThan(2_500);
    expect(conditionalMeanMs(same, 5_000)!).toBeGreaterThan(5_000);
  });

  it('puts no mass before the extended first segment: the mean is not dragged towards zero', () => {
    expect(conditionalMeanMs(durations.points, 0)!).toBeGreaterThan(58_000);
  });

  it('is null without a usable quantile; drops points out of order or outside (0, 1)', () => {
    expect(conditionalMeanMs([], 1_000)).toBeNull();
    expect(conditionalMeanMs([[1, 5_000]], 1_000)).toBeNull();
    expect(
      conditionalMeanMs(
        [
          [0.5, 60_000],
          [0.4, 70_000],
        ],
        0,
      ),
    ).not.toBeNull();
  });
});

describe('etaOf', () => {
  it('never reaches 100 % while the task runs, where the naive elapsed / median passes it', () => {
    const medianMs = 60_000;
    for (const elapsed of [0, 30_000, 59_000, 61_000, 120_000, 600_000, 3_600_000]) {
      const eta = at(elapsed);
      const naive = Math.floor((100 * elapsed) / medianMs);
      expect(eta.kind).toBe('estimate');
      expect(eta.progressPercent!).toBeLessThanOrEqual(MAX_RUNNING_PROGRESS);
      expect(Date.parse(eta.finishAt!)).toBeGreaterThan(created + elapsed);
      if (elapsed >= 120_000) expect(naive).toBeGreaterThan(100); // the baseline this test guards against
    }
  });

  it('progress grows with the time waited', () => {
    expect(at(30_000).progressPercent!).toBeLessThan(at(60_000).progressPercent!);
    expect(at(0).progressPercent).toBe(0);
  });

  it('is "unknown" without durations or before the task exists, and 100 % once ended', () => {
    expect(etaOf({ durations: null, taskCreatedAtMs: created, nowMs: created + 1, ended: false })).toMatchObject({
      kind: 'unknown',
      progressPercent: null,
      finishAt: null,
    });
    expect(etaOf({ durations, taskCreatedAtMs: null, nowMs: created, ended: false }).kind).toBe('unknown');
    expect(etaOf({ durations, taskCreatedAtMs: created, nowMs: created + 1, ended: true })).toMatchObject({
      kind: 'finished',
      progressPercent: 100,
    });
  });

  it('a client recomputes it for its own clock (between workflow tasks)', () => {
    const then = at(10_000);
    expect(etaAt(then, created + 120_000)).toEqual(at(120_000));
  });

  it('is labelled an estimate, with its basis', () => {
    expect(describeEta(at(30_000))).toMatch(/^est\. finish \d\d:\d\d:\d\dZ \(~\d+ %, from 40 learned durations\)$/);
    expect(describeEta(etaOf({ durations: null, taskCreatedAtMs: created, nowMs: created, ended: false }))).toMatch(/unknown/);
  });
});

describe('the learner hands over a few quantiles (the plan stays tiny)', () => {
  it('none below the minimum of finished tasks; then ascending quantiles of the durations', () => {
    const learner = new CompletionLearner();
    const key = { model: 'sora-2', nFrames: '10' };
    const record = (i: number, durationMs: number) => ({ ...key, taskId: `t${i}`, createdAtMs: 1_000 * i, durationMs });
    learner.seed([record(1, 40_000), record(2, 50_000)]);
    expect(learner.quantiles(key)).toBeNull();
    learner.seed(Array.from({ length: 20 }, (_, i) => record(i + 3, 40_000 + 2_000 * i)));
    const quantiles = learner.quantiles(key)!;
    expect(quantiles).toMatchObject({ source: 'seeded', samples: 22 });
    expect(quantiles.points.map(([q]) => q)).toEqual([...ETA_QUANTILES]);
    const times = quantiles.points.map(([, ms]) => ms);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(JSON.stringify(quantiles).length).toBeLessThan(200);
  });
});
