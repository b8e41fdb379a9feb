/**
 * The bench's judgement of the default against the fixed-polling frontier, and its Temporal Cloud
 * Actions estimate, on small synthetic results: the verdict must be able to say "not met".
 */
import { estimateActions } from '../../bench/actions';
import { frontierAt, paretoFrontier } from '../../bench/frontier';
import { DEFAULT_POLICY, FIXED_5S_POLICY, FRONTIER_INTERVALS_S, fixedPolicyName, WEBHOOKS_POLICY } from '../../bench/policies';
import { actionsSection, actionsTargetRows, frontierTargetRows } from '../../bench/report-frontier';
import type { PolicyResult } from '../../bench/scenarios/policy-comparison';

const N = 40;
/** N latencies spread evenly over [0, max] (what a fixed poller of interval `max` gives). */
const spread = (max: number) => Array.from({ length: N }, (_, i) => (i / (N - 1)) * max);

function row(policy: string, distribution: string, calls: number, latencies: number[], roundOf?: number[]): PolicyResult {
  return {
    policy,
    standsFor: '',
    distribution,
    generations: latencies.length,
    statusCallsPerGeneration: calls,
    detectionLatencyP50S: 0,
    detectionLatencyP95S: 0,
    detectionLatenciesS: latencies,
    historyEventsPerGeneration: 0,
    historyEventsPerPoll: 0,
    statusCallsAll: latencies.map(() => calls),
    ...(roundOf ? { roundOf } : {}),
  };
}

/** Tasks of 100 s: a fixed poller of T seconds makes 100 / T calls and detects within [0, T]. */
const pollers = (distribution: string, roundOf?: number[]) =>
  FRONTIER_INTERVALS_S.map((t) => row(fixedPolicyName(t), distribution, 100 / t, spread(t), roundOf));

const verdictOf = (line: string) => line.split(' | ')[1];
const rowFor = (lines: string[], name: string) => lines.find((l) => l.includes(`(${name})`))!;

describe('fixed-polling frontier', () => {
  it('interpolates between pollers by calls and stays flat beyond them', () => {
    const points = [
      { calls: 5, latency: 10 },
      { calls: 10, latency: 5 },
      { calls: 20, latency: 2.5 },
    ];
    expect(frontierAt(points, 7.5)).toBeCloseTo(7.5);
    expect(frontierAt(points, 15)).toBeCloseTo(3.75);
    expect(frontierAt(points, 1)).toBe(10);
    expect(frontierAt(points, 50)).toBe(2.5);
  });

  it('leaves out a poller that another beats on both calls and latency', () => {
    const points = [
      { calls: 5, latency: 10 },
      { calls: 8, latency: 12 }, // more calls, later: dominated by the first
      { calls: 10, latency: 5 },
    ];
    expect(paretoFrontier(points)).toEqual([points[0], points[2]]);
    expect(frontierAt(points, 8)).toBeCloseTo(7);
  });

  it('says met below the frontier, not met above it, and noise on it', () => {
    const results = [
      ...pollers('typical'),
      // 8 calls: the frontier there is p50 7 s, p95 ~13 s.
      row(DEFAULT_POLICY, 'typical', 8, spread(4)),
      ...pollers('fast-4x'),
      row(DEFAULT_POLICY, 'fast-4x', 8, spread(30)),
      ...pollers('slow-4x'),
      // Exactly the 10 s poller: on the frontier, which no interval can call better or worse.
      row(DEFAULT_POLICY, 'slow-4x', 10, spread(10)),
    ];
    const lines = frontierTargetRows(results);
    expect(verdictOf(rowFor(lines, 'typical'))).toBe('met');
    expect(verdictOf(rowFor(lines, 'fast-4x'))).toBe('**not met**');
    expect(verdictOf(rowFor(lines, 'slow-4x'))).toBe('_not distinguishable from noise_');
    expect(verdictOf(rowFor(lines, 'long-tail'))).toBe('_not measured_');
    // The rule is printed beside the verdict.
    expect(rowFor(lines, 'typical')).toContain('95 % intervals');
  });

  it('fails on the p95 alone: a good median with a long tail is not met', () => {
    // p50 ~2 s (frontier 7 s) but a quarter of the generations wait 60 s (frontier p95 ~13 s).
    const tail = [...spread(4).slice(0, N - 10), ...Array.from({ length: 10 }, () => 60)];
    const lines = frontierTargetRows([...pollers('typical'), row(DEFAULT_POLICY, 'typical', 8, tail)]);
    expect(verdictOf(rowFor(lines, 'typical'))).toBe('**not met**');
    expect(rowFor(lines, 'typical')).toMatch(/p50 [^;]*: met\)/);
  });

  it('judges the burst start on a fresh and on a warm worker apart', () => {
    const rounds = [...Array.from({ length: N }, () => 0), ...Array.from({ length: N }, () => 1)];
    const twice = (values: number[]) => [...values, ...values];
    const burstPollers = FRONTIER_INTERVALS_S.map((t) => row(fixedPolicyName(t), 'burst', 100 / t, twice(spread(t)), rounds));
    const fresh = spread(30); // round 1: far above the frontier
    const warm = spread(4); // round 2: below it
    const lines = frontierTargetRows([...burstPollers, row(DEFAULT_POLICY, 'burst', 8, [...fresh, ...warm], rounds)]);
    expect(verdictOf(rowFor(lines, 'burst, fresh worker'))).toBe('**not met**');
    expect(verdictOf(rowFor(lines, 'burst, warm worker'))).toBe('met');
  });
});

/** Event ids are Long in the proto types; the estimate only compares them, so a number stands in. */
const eventId = (id: number) => id as unknown as NonNullable<Parameters<typeof estimateActions>[0][number]['eventId']>;

describe('Temporal Cloud Actions estimate', () => {
  it('counts a retried activity by its last attempt, and markers once per workflow task', () => {
    const actions = estimateActions([
      { workflowExecutionStartedEventAttributes: {} },
      { activityTaskScheduledEventAttributes: {} },
      { activityTaskStartedEventAttributes: { attempt: 7 } }, // 6 retries, no events of their own
      { activityTaskCompletedEventAttributes: {} },
      { timerStartedEventAttributes: {} },
      { workflowExecutionSignaledEventAttributes: {} },
      { markerRecordedEventAttributes: { workflowTaskCompletedEventId: eventId(9) } },
      { markerRecordedEventAttributes: { workflowTaskCompletedEventId: eventId(9) } },
      { workflowExecutionCompletedEventAttributes: {} },
    ]);
    expect(actions).toBe(1 + 1 + 6 + 1 + 1 + 1);
  });

  it('is shown beside status calls and history events, labelled an estimate with its source', () => {
    const text = actionsSection([
      { ...row(DEFAULT_POLICY, 'typical', 8, spread(4)), actionsPerGeneration: 10, historyEventsPerGeneration: 17 },
    ]).join('\n');
    expect(text).toContain('estimate');
    expect(text).toContain('https://docs.temporal.io/cloud/actions');
    expect(text).toContain('typical, default: ~10 Actions, 8 status calls, 17 history events');
  });

  it('judges the Actions goals, and can say not met', () => {
    const withActions = (p: PolicyResult, actions: number[]) => ({
      ...p,
      actionsAll: actions,
      actionsPerGeneration: actions.reduce((a, b) => a + b, 0) / actions.length,
    });
    const around = (centre: number) => Array.from({ length: N }, (_, i) => centre + (i % 3) - 1);
    const lines = actionsTargetRows([
      withActions(row(WEBHOOKS_POLICY, 'typical', 0, spread(0.1)), around(8)),
      withActions(row(DEFAULT_POLICY, 'typical', 13, spread(8)), around(30)), // more Actions than the 5 s poller
      withActions(row(FIXED_5S_POLICY, 'typical', 18, spread(5)), around(23)),
    ]);
    expect(verdictOf(lines.find((l) => l.includes('fewest'))!)).toBe('met');
    expect(verdictOf(lines.find((l) => l.includes('than the 5 s poller (typical'))!)).toBe('**not met**');
  });
});
