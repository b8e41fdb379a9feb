/**
 * The legacy wait: a durable timer until the next scheduled status check (polling-schedule.ts),
 * then one check by rivyaGetGeneration. The committed histories wait so (PATCH_WAIT_PLAN's legacy
 * branch), and `polling.style: 'timer'` asks for it. Each sleep-then-check is one timer and one
 * activity in the history, in that order.
 */
import { condition } from '@temporalio/workflow';
import type { TaskSnapshot } from '../common/activity-contract';
import { nextPollDelayMs, safetyNetDelayMs } from './polling-schedule';
import { DeadlineReached, type WaitContext } from './wait-state';

/** Sleeps until the next check (or a wake-up), then checks; returns `previous` when there is nothing to check. */
export async function checkAfterTimer(wait: WaitContext, previous: TaskSnapshot): Promise<TaskSnapshot> {
  await sleepUntilNextCheck(wait);
  if (wait.inbox.pending !== null) return previous; // the loop takes the event; no call needed
  if (wait.wake === 'replan') return previous; // planned anew by the loop
  return wait.checkTaskStatus(previous);
}

/**
 * Sleeps on a durable timer until the next scheduled status check, or less when a webhook event
 * or an operator's request cuts it short.
 */
async function sleepUntilNextCheck(wait: WaitContext): Promise<void> {
  const now = Date.now();
  const remaining = wait.state.deadlineAtMs - now;
  if (remaining <= 0) throw new DeadlineReached();
  const expectation = wait.expectation;
  const timing = {
    elapsedMs: now - wait.state.taskCreatedAtMs!,
    pollsSoFar: wait.state.polls,
    overduePolls: wait.state.overduePolls,
    expectedMs: expectation?.expectedMs ?? wait.expectedMs,
    // Absent for runs recorded before learning: their timers stay exactly as recorded.
    ...(expectation ? { earliestMs: expectation.earliestMs, sparseCapMs: expectation.sparseCapMs } : {}),
    remainingBeforeDeadlineMs: remaining,
    jitterKey: wait.workflowId,
  };
  const delay = wait.webhooks ? safetyNetDelayMs(timing, wait.polling) : nextPollDelayMs(timing, wait.polling);
  wait.timer.nextCheckAt = now + delay;
  wait.publishDetails();
  wait.clearWake();
  try {
    await condition(() => wait.wokenEarly, delay, { summary: `wait before status check #${wait.state.polls + 1}` });
  } finally {
    // Also when a cancel cuts the wait short: a stale time would read as "due".
    wait.timer.nextCheckAt = null;
  }
}
