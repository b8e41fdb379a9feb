/**
 * Waiting for a generation the batch's current run did not start — one an earlier run started
 * before continuing as new, or an earlier batch under the same id — by its workflow id, through
 * the worker's Temporal client. Like the status wait, "still running" is a BENIGN failure whose
 * retry is the next look: no history per look, no worker slot held in between.
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { CHILD_NOT_FINISHED_ERROR_TYPE } from '../workflows/batch/activities';
import { CHILD_ENDED_OTHERWISE, conclusionOfFailure, conclusionOfResult, type ChildConclusion } from '../workflows/batch/outcome';
import type { Sora2GenerationResult } from '../workflows/generation/state';

/** Looks grow from 1 s to 30 s: a short item is collected promptly, a long one costs few calls. */
export function lookDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, Math.min(attempt - 1, 5)));
}

export async function sora2AwaitChild(workflowId: string): Promise<ChildConclusion> {
  const context = Context.current();
  const handle = context.client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') {
    throw ApplicationFailure.create({
      type: CHILD_NOT_FINISHED_ERROR_TYPE,
      message: `${workflowId} is still running`,
      category: ApplicationFailureCategory.BENIGN,
      nextRetryDelay: lookDelayMs(context.info.attempt),
    });
  }
  try {
    // Closed: the result is there at once (following its continue-as-new chain).
    return conclusionOfResult((await handle.result()) as Sora2GenerationResult);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type) return conclusionOfFailure(cause.type, cause.message, cause.details?.[0]);
    if (cause instanceof CancelledFailure)
      return { kind: 'failed', type: 'GenerationCancelled', message: 'cancelled', taskId: null, credits: null, cancelled: true };
    const how = cause instanceof TerminatedFailure ? 'terminated' : (cause?.message ?? err.message);
    return { kind: 'failed', type: CHILD_ENDED_OTHERWISE, message: how, taskId: null, credits: null, cancelled: false };
  }
}
