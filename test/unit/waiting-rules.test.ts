/**
 * The pure rules behind waiting: what the worker learns from finished tasks, the expectation the
 * schedule uses, the safety net with webhooks, the retry form's back-off, and how the workflow's
 * inbox files webhook events.
 */
import { CompletionLearner, MIN_LEARNED_SAMPLES } from '../../activities/completion-learner';
import type { TaskSnapshot } from '../../workflows/common/activity-contract';
import { pollingOptionsSchema } from '../../workflows/generation/input';
import {
  expectationFor,
  nextPollDelayMs,
  OVERDUE_AFTER_FACTOR,
  retryCheckDelayMs,
  SAFETY_NET_FIRST_CHECK_FACTOR,
  safetyNetDelayMs,
  UNLEARNED_SPARSE_CAP_MS,
  CONFIDENT_SAMPLES,
  latenessBoundMs,
  type PollTiming,
} from '../../workflows/generation/polling-schedule';
import { emptyInbox, offerWebhookEvent, takePendingEvent } from '../../workflows/generation/webhook-inbox';

const polling = pollingOptionsSchema.parse({});
const key = { model: 'sora-2', nFrames: '10' };

function finished(id: string, durationS: number, status: TaskSnapshot['status'] = 'succeeded'): TaskSnapshot {
  const created = Date.parse('2026-01-01T00:00:00Z');
  return {
    id,
    status,
    reservedCredits: 6,
    finalCredits: 6,
    createdAt: new Date(created).toISOString(),
    updatedAt: new Date(created + durationS * 1000).toISOString(),
    videoUrls: [],
    error: null,
  };
}

describe('the completion learner', () => {
  test(`nothing learned below ${MIN_LEARNED_SAMPLES} completions; then median and a low percentile`, () => {
    const learner = new CompletionLearner();
    for (let i = 0; i < MIN_LEARNED_SAMPLES - 1; i += 1) learner.observe(finished(`t${i}`, 30 + i), key);
    expect(learner.estimate(key)).toBeNull();
    learner.observe(finished('t-last', 40), key);
    const learned = learner.estimate(key)!;
    expect(learned.samples).toBe(MIN_LEARNED_SAMPLES);
    expect(learned.medianMs).toBe(32_000);
    expect(learned.earliestMs).toBeGreaterThanOrEqual(30_000);
    expect(learned.earliestMs).toBeLessThan(31_000);
  });

  test('counts succeeded tasks only, once, and knows a task by the key noted at create', () => {
    const learner = new CompletionLearner(1);
    learner.observe(finished('unknown', 30)); // never noted, no key given: ignored
    learner.observe(finished('failed', 3, 'failed'), key);
    learner.observe(finished('running', 3, 'processing'), key);
    expect(learner.estimate(key)).toBeNull();
    learner.noteTask('noted', key, Date.parse('2026-01-01T00:00:00Z'));
    learner.observe(finished('noted', 50));
    learner.observe(finished('noted', 50)); // the same task read again: not a second sample
    // One finish at 50 s; the task seen running (for months, by this clock) keeps the median unknown.
    expect(learner.estimate(key)).toMatchObject({ samples: 1, earliestMs: 50_000, medianMs: null });
    expect(learner.estimate({ model: 'sora-2', nFrames: '15' })).toBeNull();
  });
});

describe('the expectation', () => {
  test('the input wins, then what was learned, then the built-in guess with a capped sparse wait', () => {
    const learned = { medianMs: 40_000, earliestMs: 25_000, samples: CONFIDENT_SAMPLES, source: 'learned' as const };
    expect(expectationFor('sora-2', '10', { expectedDurationMs: 9_000 }, learned)).toMatchObject({ expectedMs: 9_000, source: 'input' });
    expect(expectationFor('sora-2', '10', {}, learned)).toEqual({
      expectedMs: 40_000,
      earliestMs: 25_000,
      sparseCapMs: null,
      source: 'learned',
    });
    // From a few completions the low quantile may be late: the sparse wait is split.
    expect(expectationFor('sora-2', '10', {}, { ...learned, samples: 6, source: 'seeded' })).toEqual({
      expectedMs: 40_000,
      earliestMs: 25_000,
      sparseCapMs: 25_000 / 4,
      source: 'seeded',
    });
    // Only the fast end known (a burst still running): dense checks start there, the rest is the guess.
    expect(expectationFor('sora-2', '10', {}, { ...learned, medianMs: null })).toEqual({
      expectedMs: 120_000,
      earliestMs: 25_000,
      sparseCapMs: UNLEARNED_SPARSE_CAP_MS,
      source: 'learned',
    });
    expect(expectationFor('sora-2', '10', {}, null)).toEqual({
      expectedMs: 120_000,
      earliestMs: 60_000,
      sparseCapMs: UNLEARNED_SPARSE_CAP_MS,
      source: 'built-in',
    });
    expect(expectationFor('sora-2', '10', {}, null, 0.1)).toMatchObject({ expectedMs: 12_000, sparseCapMs: UNLEARNED_SPARSE_CAP_MS * 0.1 });
  });

  const timing = (over: Partial<PollTiming>): PollTiming => ({
    elapsedMs: 3_000,
    pollsSoFar: 1,
    overduePolls: 0,
    expectedMs: 120_000,
    remainingBeforeDeadlineMs: 3_600_000,
    jitterKey: 'wf',
    ...over,
  });
  const noJitter = { ...polling, jitterFraction: 0 };

  test('unlearned, a task 4× faster than the guess is not sat out: sparse waits are capped', () => {
    expect(nextPollDelayMs(timing({ sparseCapMs: UNLEARNED_SPARSE_CAP_MS }), noJitter)).toBe(UNLEARNED_SPARSE_CAP_MS);
    // Histories recorded before the cap existed keep their single long wait (E/2 − elapsed).
    expect(nextPollDelayMs(timing({}), noJitter)).toBe(57_000);
  });

  test('learned, dense checks start at the fastest finishes, not at E/2', () => {
    const learned = timing({ expectedMs: 40_000, earliestMs: 25_000, elapsedMs: 26_000 });
    expect(nextPollDelayMs(learned, noJitter)).toBe(polling.minIntervalMs);
    expect(nextPollDelayMs({ ...learned, elapsedMs: 5_000 }, noJitter)).toBe(20_000);
  });

  test('the safety net: first check at twice the expectation, then sparse', () => {
    expect(safetyNetDelayMs(timing({ pollsSoFar: 0, elapsedMs: 0 }), noJitter)).toBe(SAFETY_NET_FIRST_CHECK_FACTOR * 120_000);
    expect(safetyNetDelayMs(timing({ pollsSoFar: 1, elapsedMs: 240_000 }), noJitter)).toBe(60_000);
    expect(retryCheckDelayMs(timing({ pollsSoFar: 0, elapsedMs: 0 }), noJitter, true)).toBe(240_000);
  });

  test('the retry form backs off by time overdue, without counting polls, up to the lateness bound', () => {
    const overdueAt = 120_000 * OVERDUE_AFTER_FACTOR;
    const delays = [0, 40_000, 80_000, 400_000].map((late) => retryCheckDelayMs(timing({ elapsedMs: overdueAt + late }), noJitter, false));
    expect(delays).toEqual([polling.minIntervalMs, 10_000, 20_000, latenessBoundMs(120_000, polling)]);
  });

  test('bounded lateness: past the earliest finish no gap exceeds E/4 within [min, max] interval, whatever E is', () => {
    expect(latenessBoundMs(120_000, polling)).toBe(30_000);
    expect(latenessBoundMs(10_000, polling)).toBe(polling.minIntervalMs);
    expect(latenessBoundMs(3_600_000, polling)).toBe(polling.maxIntervalMs);
    for (const expectedMs of [20_000, 120_000, 450_000]) {
      for (let elapsedMs = expectedMs / 2; elapsedMs < 3_600_000; elapsedMs += 7_000) {
        const t = timing({ expectedMs, earliestMs: expectedMs / 2, elapsedMs, pollsSoFar: 3, overduePolls: 40 });
        expect(retryCheckDelayMs(t, noJitter, false)).toBeLessThanOrEqual(latenessBoundMs(expectedMs, polling));
        expect(nextPollDelayMs(t, noJitter)).toBeLessThanOrEqual(latenessBoundMs(expectedMs, polling));
      }
    }
  });
});

describe("the workflow's webhook inbox", () => {
  const task = finished('task_1', 30);
  const event = (
    eventId: string,
    over: Partial<TaskSnapshot> = {},
    type: 'generation.succeeded' | 'generation.failed' = 'generation.succeeded',
  ) => ({
    eventId,
    type,
    createdAt: '2026-01-01T00:01:00Z',
    task: { ...task, ...over },
  });

  test('the first terminal event for our task is accepted once; the rest are counted', () => {
    const inbox = emptyInbox();
    expect(offerWebhookEvent(inbox, event('e0'), null, false)).toBe('other-task'); // before the task exists
    expect(offerWebhookEvent(inbox, event('e1', { id: 'task_2' }), 'task_1', false)).toBe('other-task');
    expect(offerWebhookEvent(inbox, event('e2', { status: 'processing' }), 'task_1', false)).toBe('not-terminal');
    expect(offerWebhookEvent(inbox, event('e3', {}, 'generation.failed'), 'task_1', false)).toBe('not-terminal'); // type and status disagree
    expect(offerWebhookEvent(inbox, event('e4'), 'task_1', false)).toBe('accepted');
    expect(offerWebhookEvent(inbox, event('e4'), 'task_1', false)).toBe('duplicate');
    expect(takePendingEvent(inbox)?.eventId).toBe('e4');
    expect(takePendingEvent(inbox)).toBeNull();
    expect(offerWebhookEvent(inbox, event('e5'), 'task_1', false)).toBe('after-terminal');
    expect(offerWebhookEvent(inbox, event('e6'), 'task_1', true)).toBe('after-terminal');
    expect(inbox.counts).toEqual({ accepted: 1, duplicate: 1, 'other-task': 2, 'not-terminal': 2, 'after-terminal': 2 });
  });

  test('a refused copy with the genuine id does not shadow the genuine event', () => {
    const inbox = emptyInbox();
    expect(offerWebhookEvent(inbox, event('e1', { status: 'processing' }), 'task_1', false)).toBe('not-terminal');
    expect(offerWebhookEvent(inbox, event('e1', { id: 'task_2' }), 'task_1', false)).toBe('other-task');
    expect(offerWebhookEvent(inbox, event('e1'), 'task_1', false)).toBe('accepted');
  });

  test('remembers a bounded number of event ids', () => {
    const inbox = emptyInbox();
    for (let i = 0; i < 100; i += 1) {
      inbox.pending = null;
      inbox.counts.accepted = 0;
      offerWebhookEvent(inbox, event(`e${i}`), 'task_1', false);
    }
    expect(inbox.seenEventIds.length).toBe(32);
  });
});
