/**
 * The wait by the worker's plan: one rivyaAwaitGeneration activity checks on its own schedule
 * (each "not finished" is a benign retry: no history, no workflow task), raced against wake-ups.
 * A webhook event or an operator's request cancels it; pollNow then checks once, at once.
 */
import { ActivityFailure, CancellationScope, condition, proxyActivities } from '@temporalio/workflow';
import { ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import {
  TASK_NOT_FINISHED_ERROR_TYPE,
  type AwaitGenerationOutput,
  type Sora2Activities,
  type TaskSnapshot,
} from '../common/activity-contract';
import { accountField } from './account';
import { ACTIVITY_OPTIONS } from './activity-options';
import { rivyaParams } from './input';
import { DeadlineReached, type WaitContext } from './wait-state';

/** The strategy's own state: the activity still runs, or how it ended (set by its promise's callbacks). */
interface AwaitActivity {
  state: { kind: 'running' } | { kind: 'finished'; output: AwaitGenerationOutput } | { kind: 'failed'; error: unknown };
}

/** Waits by the activity's retries; returns the terminal task, or `previous` when a wake-up ended the wait first. */
export async function checkByRetries(wait: WaitContext, previous: TaskSnapshot): Promise<TaskSnapshot> {
  const remainingMs = wait.state.deadlineAtMs - Date.now();
  if (remainingMs <= 0) throw new DeadlineReached();
  const awaiting = proxyActivities<Sora2Activities>({
    ...ACTIVITY_OPTIONS.await,
    // The deadline bounds the wait; no attempt cap, which the UI would show as "2 of 3610" on a
    // healthy wait. Retry policies are not compared on replay: runs recorded with the cap replay.
    scheduleToCloseTimeout: remainingMs,
    summary: wait.webhooks ? 'safety-net status checks (webhooks on)' : 'status checks (by activity retries)',
  });
  const polling = wait.polling;
  const activity: AwaitActivity = { state: { kind: 'running' } };
  const scope = new CancellationScope();
  const running = scope
    .run(() =>
      awaiting.rivyaAwaitGeneration({
        taskId: previous.id,
        model: wait.request.model,
        nFrames: rivyaParams(wait.request).n_frames!,
        taskCreatedAtMs: wait.state.taskCreatedAtMs!,
        checksSoFar: wait.state.polls,
        polling: {
          firstCheckAfterMs: polling.firstCheckAfterMs,
          minIntervalMs: polling.minIntervalMs,
          maxIntervalMs: polling.maxIntervalMs,
          expectedDurationMs: polling.expectedDurationMs,
          jitterFraction: polling.jitterFraction,
        },
        webhooks: wait.webhooks,
        deadlineAtMs: wait.state.deadlineAtMs,
        jitterKey: wait.workflowId,
        ...accountField(wait.request),
      }),
    )
    .then(
      (output) => void (activity.state = { kind: 'finished', output }),
      (error: unknown) => void (activity.state = { kind: 'failed', error }),
    );
  wait.clearWake();
  wait.publishDetails();
  await condition(() => activity.state.kind !== 'running' || wait.wokenEarly);
  const ended = activity.state;
  if (ended.kind === 'running') {
    scope.cancel();
    await running;
    if (wait.wake !== 'check-now') return previous; // the loop takes the event, or plans anew
    wait.clearWake();
    return wait.checkTaskStatus(previous);
  }
  if (ended.kind === 'failed') throw awaitFailure(ended.error);
  const { task, checks } = ended.output;
  wait.state.polls += checks;
  wait.checksCompleted += checks;
  wait.state.lastError = null;
  wait.state.task = task;
  wait.upsertStatusOnChange(task, previous);
  return task;
}

/** The wait's end without a terminal task: the deadline when its retries ran out of time, else the error itself. */
function awaitFailure(err: unknown): unknown {
  if (!(err instanceof ActivityFailure)) return err;
  const outOfTime =
    err.retryState === RetryState.TIMEOUT ||
    err.cause instanceof TimeoutFailure ||
    (err.cause instanceof ApplicationFailure && err.cause.type === TASK_NOT_FINISHED_ERROR_TYPE);
  return outOfTime ? new DeadlineReached() : err;
}
