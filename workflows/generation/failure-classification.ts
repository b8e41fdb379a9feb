/**
 * Which typed outcome a failed run ends with. Pure functions of the error (or the task), so every
 * branch is unit-tested without a worker, and the workflow only says "fail with this".
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { SAVE_TARGET_UNUSABLE_ERROR_TYPE, type FailureReason, type TaskSnapshot } from '../common/activity-contract';
import {
  ACCOUNT_KEY_UNAVAILABLE,
  FailureTypes,
  REFERENCE_DOWNLOAD_FAILED,
  REFERENCE_REJECTED,
  RIVYA_ERROR_TYPE_PREFIX,
  UNKNOWN_ACCOUNT,
  type FailureType,
} from '../common/failures';
import type { GenerationPhase } from './messages';

/** Everything the workflow's failure carries besides the run's own facts (task, credits, saga). */
export interface ClassifiedFailure {
  reason: FailureReason;
  type: FailureType;
  message: string;
  /** Rivya's code and message when Rivya said no; null when the run itself gave up. */
  remoteError: { code: string; message: string } | null;
}

/** An activity failed for good (non-retryable, or retries exhausted): what that means for the caller. */
export function classifyActivityFailure(err: ActivityFailure): ClassifiedFailure {
  const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
  const type = cause?.type ?? '';
  const message = cause?.message ?? describeError(err);
  if (type === REFERENCE_REJECTED || type === REFERENCE_DOWNLOAD_FAILED) {
    return {
      reason: 'reference-rejected',
      type: FailureTypes.ValidationFailed,
      message: `reference rejected: ${message}`,
      remoteError: { code: type, message },
    };
  }
  if (type === SAVE_TARGET_UNUSABLE_ERROR_TYPE) {
    // Refused before the create: like invalid input, the caller's to fix, and nothing was paid.
    return {
      reason: 'save-target-rejected',
      type: FailureTypes.ValidationFailed,
      message: `save target refused, nothing paid: ${message}`,
      remoteError: { code: type, message },
    };
  }
  if (type === UNKNOWN_ACCOUNT || type === ACCOUNT_KEY_UNAVAILABLE) {
    // No key for the named account: refused before the activity called Rivya, so nothing was paid.
    return {
      reason: 'rejected',
      type: FailureTypes.UnknownAccount,
      message: `account refused, nothing paid: ${message}`,
      remoteError: { code: type, message },
    };
  }
  if (type === FailureTypes.BudgetExceeded) {
    // The account budget refused the lease (budget/generation-lease.ts): asked before the create, nothing paid.
    return {
      reason: 'rejected',
      type: FailureTypes.BudgetExceeded,
      message: `account budget exhausted, nothing paid: ${message}`,
      remoteError: { code: type, message },
    };
  }
  if (type.startsWith(RIVYA_ERROR_TYPE_PREFIX) && cause?.nonRetryable) {
    const code = type.slice(RIVYA_ERROR_TYPE_PREFIX.length);
    // Rivya's own input validation is the caller's mistake, like ours; any other refusal is Rivya's call.
    const failureType = code === 'validation_failed' ? FailureTypes.ValidationFailed : FailureTypes.GenerationRejected;
    return { reason: 'rejected', type: failureType, message: `Rivya refused the request: ${message}`, remoteError: { code, message } };
  }
  // Retries exhausted on transient errors (timeouts, 5xx, 429s, network).
  return {
    reason: 'rejected',
    type: FailureTypes.RivyaUnavailable,
    message: `Rivya unavailable: ${message}`,
    remoteError: { code: type || 'unavailable', message },
  };
}

/** The task ran and Rivya reported it failed. */
export function classifyTaskFailure(task: TaskSnapshot): ClassifiedFailure {
  // Rivya's own words first-hand: an operator reading the list sees why, not only which task.
  const why = task.error?.message ? `: ${task.error.message}` : '';
  return {
    reason: 'failed',
    type: FailureTypes.GenerationFailed,
    message: `the generation task ${task.id} failed${why}`,
    remoteError: task.error,
  };
}

/** The workflow was cancelled; Rivya has no cancel endpoint, so the message says what keeps running. */
export function classifyCancellation(task: TaskSnapshot | null): ClassifiedFailure {
  const message = task
    ? `cancelled; Rivya has no cancel endpoint, so task ${task.id} keeps running (last status ${task.status})`
    : 'cancelled before a generation task was created';
  return { reason: 'cancelled', type: FailureTypes.GenerationCancelled, message, remoteError: null };
}

/** The workflow's own deadline passed before the task finished. */
export function classifyDeadline(deadlineMs: number): ClassifiedFailure {
  return { reason: 'timed-out', type: FailureTypes.GenerationTimedOut, message: `no result within ${deadlineMs} ms`, remoteError: null };
}

/**
 * A status check that failed only because Rivya stayed unreachable past the check's retry budget.
 * Waiting long is not failure, so the run keeps its schedule; a non-retryable answer (key revoked,
 * task not found) is not transient and ends the run.
 */
export function isTransientActivityFailure(err: unknown): err is ActivityFailure {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && !err.cause.nonRetryable;
}

/**
 * How a failed run looks to operators: the phase it ends in and, when the remote task did not end
 * it, the RivyaTaskStatus it leaves behind (the task's own status would still read "running").
 */
export function endStateOf(reason: FailureReason): { phase: GenerationPhase; searchStatus: string | null } {
  if (reason === 'cancelled') return { phase: 'cancelled', searchStatus: 'workflow_cancelled' };
  if (reason === 'timed-out') return { phase: 'timed-out', searchStatus: 'workflow_timed_out' };
  return { phase: 'failed', searchStatus: null };
}

/**
 * The RivyaTaskStatus of a run that ended before any task existed (the column would otherwise stay
 * blank): the input was invalid, the reference or save target was refused, Rivya refused the create, or Rivya
 * stayed unreachable. Cancel and deadline have their own statuses (endStateOf).
 */
export function statusBeforeTaskOf(reason: FailureReason | 'invalid-input', type: FailureType): string | null {
  if (reason === 'invalid-input') return 'invalid_input';
  if (reason === 'reference-rejected') return 'reference_rejected';
  if (reason === 'save-target-rejected') return 'save_target_rejected';
  if (reason === 'rejected' && type === FailureTypes.UnknownAccount) return 'unknown_account';
  if (reason === 'rejected' && type === FailureTypes.BudgetExceeded) return 'budget_exceeded';
  if (reason === 'rejected') return type === FailureTypes.RivyaUnavailable ? 'rivya_unavailable' : 'rejected';
  if (reason === 'approval-rejected') return 'approval_rejected';
  if (reason === 'approval-timed-out') return 'approval_timed_out';
  return null;
}

/** The innermost message of a failure chain (ActivityFailure → ApplicationFailure → ...). */
export function describeError(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
