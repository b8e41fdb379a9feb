/** After a cancel the run reports the credits its last status check saw (S6 refund rule). */
import type { TaskSnapshot } from '../../workflows/common/activity-contract';
import { lastKnownCredits } from '../../workflows/generation/last-known-credits';

const task = (status: string, finalCredits: number): TaskSnapshot => ({
  id: 'task_1',
  status,
  reservedCredits: 30,
  finalCredits,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:10.000Z',
  videoUrls: [],
  error: null,
});

test('a running task: refund pending, taken from the last poll', () => {
  expect(lastKnownCredits('task_1', task('processing', 0))).toEqual({
    taskId: 'task_1',
    status: 'processing',
    reservedCredits: 30,
    finalCredits: 0,
    refunded: 'pending',
    source: 'last-known',
  });
});

test('a failed task with no final charge was refunded; a succeeded one was not', () => {
  expect(lastKnownCredits('task_1', task('failed', 0)).refunded).toBe(true);
  expect(lastKnownCredits('task_1', task('succeeded', 30)).refunded).toBe(false);
});
