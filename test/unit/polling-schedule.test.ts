/** The adaptive schedule's shape, checked as a pure function (it runs unchanged inside the workflow). */
import { jitterFactor, nextPollDelayMs, type PollTiming } from '../../workflows/generation/polling-schedule';
import { pollingOptionsSchema } from '../../workflows/generation/input';

const polling = pollingOptionsSchema.parse({});
const timing = (over: Partial<PollTiming>): PollTiming => ({
  elapsedMs: 0,
  pollsSoFar: 1,
  overduePolls: 0,
  expectedMs: 120_000,
  remainingBeforeDeadlineMs: 3_600_000,
  jitterKey: 'wf-1',
  ...over,
});

test('the first check comes ~2.5 s after create, without jitter', () => {
  expect(nextPollDelayMs(timing({ pollsSoFar: 0, elapsedMs: 0 }), polling)).toBe(2_500);
  expect(nextPollDelayMs(timing({ pollsSoFar: 0, elapsedMs: 1_000 }), polling)).toBe(1_500);
});

test('sparse early: after the first check, one wait until the earliest plausible finish (E/2)', () => {
  const delay = nextPollDelayMs(timing({ elapsedMs: 2_600 }), polling);
  expect(delay).toBeGreaterThan(0.9 * (60_000 - 2_600));
  expect(delay).toBeLessThan(1.1 * (60_000 - 2_600));
  // A very long expected duration still checks at least every maxIntervalMs.
  expect(nextPollDelayMs(timing({ elapsedMs: 2_600, expectedMs: 3_600_000 }), polling)).toBeLessThanOrEqual(polling.maxIntervalMs * 1.1);
});

test('dense from E/2 to 4·E: every minIntervalMs (± jitter)', () => {
  for (const elapsedMs of [60_000, 100_000, 120_000, 300_000, 470_000]) {
    const delay = nextPollDelayMs(timing({ elapsedMs, jitterKey: `k${elapsedMs}` }), polling);
    expect(delay).toBeGreaterThanOrEqual(polling.minIntervalMs * 0.9);
    expect(delay).toBeLessThanOrEqual(polling.minIntervalMs * 1.1);
  }
});

test('overdue past 4·E: back off geometrically up to the lateness bound (E/4)', () => {
  const delays = [0, 1, 2, 3, 10].map((overduePolls) =>
    nextPollDelayMs(timing({ elapsedMs: 500_000, overduePolls, jitterKey: 'same' }), polling),
  );
  expect(delays[1]!).toBeGreaterThan(delays[0]!);
  expect(delays[3]!).toBeGreaterThan(delays[1]!);
  expect(delays[4]!).toBeLessThanOrEqual(30_000 * 1.1);
  expect(delays[4]!).toBeGreaterThanOrEqual(30_000 * 0.9);
});

test('never sleeps past the deadline', () => {
  expect(nextPollDelayMs(timing({ elapsedMs: 500_000, overduePolls: 10, remainingBeforeDeadlineMs: 1_234 }), polling)).toBe(1_234);
});

test('jitter is ±jitterFraction, deterministic per (workflow, poll), and differs across workflows', () => {
  const factors = Array.from({ length: 500 }, (_, i) => jitterFactor(`wf-${i}`, 3));
  expect(Math.min(...factors)).toBeGreaterThanOrEqual(0.9);
  expect(Math.max(...factors)).toBeLessThanOrEqual(1.1);
  expect(new Set(factors.map((f) => f.toFixed(4))).size).toBeGreaterThan(400);
  expect(jitterFactor('wf-7', 3)).toBe(jitterFactor('wf-7', 3));
  const fixed = pollingOptionsSchema.parse({ minIntervalMs: 5_000, maxIntervalMs: 5_000, jitterFraction: 0 });
  expect(nextPollDelayMs(timing({ elapsedMs: 90_000 }), fixed)).toBe(5_000);
});
