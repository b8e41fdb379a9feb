/**
 * Waiting for a task by activity retries: Temporal's recommended form of polling at intervals of
 * seconds to minutes. One activity stands for the whole wait; each attempt is one status check,
 * and "not finished yet" is a BENIGN failure whose `nextRetryDelay` is the schedule's next wait.
 * Retries add no history events and no workflow task, so a wait of any length costs the same few
 * events — and the worker holds nothing for the workflow in between.
 *
 * The first attempt starts the moment the workflow schedules the activity, usually too early for
 * a check: it only schedules the first one (so `checks` = attempts − 1). Each delay is computed
 * here, not in the workflow, so it may use what the worker has learned since the task started.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { countStatusCheck } from '../src/observability/activity-metrics';
import { isTerminal } from '../src/contract/task-status';
import { TASK_NOT_FINISHED_ERROR_TYPE, type AwaitGenerationInput, type AwaitGenerationOutput } from '../workflows/common/activity-contract';
import { OVERDUE_AFTER_FACTOR, expectationFor, retryCheckDelayMs, type Expectation } from '../workflows/generation/polling-schedule';
import type { CompletionLearner } from './completion-learner';
import { callRivya } from './rivya-failure';
import { clientOfRun, clientsByAccount, type RivyaClientSource } from './run-client';
import { toTaskSnapshot } from './task-snapshot';

/** Temporal's timers are not finer than a second anyway; shorter retry delays only add load. */
const MIN_RETRY_DELAY_MS = 1_000;

export function makeAwaitGeneration(source: RivyaClientSource, learner: CompletionLearner, priorScale = 1) {
  const clients = clientsByAccount(source);
  return async function rivyaAwaitGeneration(input: AwaitGenerationInput): Promise<AwaitGenerationOutput> {
    const { attempt } = Context.current().info;
    const checks = attempt - 1;
    // A worker that restarted mid-wait learns of the task here; its start is the workflow's view of it.
    learner.noteTask(input.taskId, input, input.taskCreatedAtMs);
    if (input.webhooks) learner.noteWaitingByWebhook(input.taskId);
    if (attempt > 1) {
      const client = await clientOfRun(clients, input.account);
      const task = toTaskSnapshot(
        await callRivya(() => client.getGeneration(input.taskId, { signal: Context.current().cancellationSignal })),
      );
      countStatusCheck();
      learner.observe(task, { model: input.model, nFrames: input.nFrames });
      if (isTerminal(task.status)) return { task, checks };
    }
    throw notFinishedYet(input, checks, learner, priorScale);
  };
}

/** What an operator reads as the activity's last "failure": a wait, said as one. */
function waitingMessage(checksSoFar: number, nextDelayMs: number, expectation: Expectation): string {
  const next = `next status check in ${seconds(nextDelayMs)}`;
  const expected = `expected to take ~${seconds(expectation.expectedMs)} (${expectation.source})`;
  return checksSoFar === 0
    ? `waiting for the task: ${next}; ${expected}`
    : `task still running after ${checksSoFar} checks: ${next}; ${expected}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function notFinishedYet(input: AwaitGenerationInput, checks: number, learner: CompletionLearner, priorScale: number): ApplicationFailure {
  const now = Date.now();
  const expectation = expectationFor(input.model, input.nFrames, input.polling, learner.estimate(input), priorScale);
  const elapsedMs = now - input.taskCreatedAtMs;
  const delay = retryCheckDelayMs(
    {
      elapsedMs,
      pollsSoFar: input.checksSoFar + checks,
      overduePolls: 0, // unused by the retry form: its back-off grows with time overdue
      expectedMs: expectation.expectedMs,
      earliestMs: expectation.earliestMs,
      sparseCapMs: expectation.sparseCapMs,
      remainingBeforeDeadlineMs: input.deadlineAtMs - now,
      jitterKey: input.jitterKey,
    },
    input.polling,
    input.webhooks,
  );
  const overdue = elapsedMs >= expectation.expectedMs * OVERDUE_AFTER_FACTOR;
  const nextRetryDelay = Math.max(delay, MIN_RETRY_DELAY_MS);
  const waiting = ApplicationFailure.create({
    type: TASK_NOT_FINISHED_ERROR_TYPE,
    message: waitingMessage(input.checksSoFar + checks, nextRetryDelay, expectation),
    category: ApplicationFailureCategory.BENIGN,
    nextRetryDelay,
    details: [
      {
        checks,
        expectation: expectation.source,
        expectedMs: Math.round(expectation.expectedMs),
        earliestMs: Math.round(expectation.earliestMs),
        overdue,
      },
    ],
  });
  // A healthy wait, not an error: no stack trace for the UI's "Last Failure" to show (the SDK
  // sends `stack` as the failure's stack trace).
  waiting.stack = '';
  return waiting;
}
