/** The adaptive schedule's shape, checked as a pure function (it runs unchanged inside the workflow). */
import { jitterFactor, nextPollDelayMs, type PollTiming } from '../workflows/polling-schedule';
import { pollingOptionsSchema } from '../workflows/input';

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

test('before the expected finish, waits shrink as it nears: sparse early, dense late', () => {
  const delays = [3_000, 40_000, 80_000, 110_000, 118_000].map((elapsedMs) => nextPollDelayMs(timing({ elapsedMs, jitterKey: 'k' }), polling));
  for (let i = 1; i < delays.length; i += 1) expect(delays[i]!).toBeLessThanOrEqual(delays[i - 1]! * 1.25);
  expect(delays[0]!).toBeGreaterThan(50_000);
  expect(delays.at(-1)!).toBeLessThanOrEqual(polling.minIntervalMs * 1.1);
});

test('overdue tasks back off geometrically up to the cap', () => {
  const delays = [0, 1, 2, 3, 10].map((overduePolls) => nextPollDelayMs(timing({ elapsedMs: 200_000, overduePolls }), polling));
  expect(delays[1]!).toBeGreaterThan(delays[0]!);
  expect(delays[3]!).toBeGreaterThan(delays[1]!);
  expect(delays[4]!).toBeLessThanOrEqual(polling.maxIntervalMs * 1.1);
  expect(delays[4]!).toBeGreaterThanOrEqual(polling.maxIntervalMs * 0.9);
});

test('never sleeps past the deadline', () => {
  expect(nextPollDelayMs(timing({ elapsedMs: 200_000, overduePolls: 10, remainingBeforeDeadlineMs: 1_234 }), polling)).toBe(1_234);
});

test('jitter is ±10 %, deterministic per (workflow, poll), and differs across workflows', () => {
  const factors = Array.from({ length: 500 }, (_, i) => jitterFactor(`wf-${i}`, 3));
  expect(Math.min(...factors)).toBeGreaterThanOrEqual(0.9);
  expect(Math.max(...factors)).toBeLessThanOrEqual(1.1);
  expect(new Set(factors.map((f) => f.toFixed(4))).size).toBeGreaterThan(400);
  expect(jitterFactor('wf-7', 3)).toBe(jitterFactor('wf-7', 3));
});
