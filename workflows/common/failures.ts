/**
 * The typed outcomes a caller can branch on. Each is an ApplicationFailure `type`; its details[0]
 * is a `GenerationFailureDetails`. Activity-level types (what an activity throws) are listed too.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { CreditReconciliation, FailureReason } from './activity-contract';
import type { InputIssue } from '../generation/input';
import type { ApprovalDecision } from '../generation/approval-input';

export const FailureTypes = {
  /** Bad input or a rejected reference: nothing was paid for. */
  ValidationFailed: 'ValidationFailed',
  /** Rivya refused the create (credits, auth, scope, idempotency conflict): nothing was charged. */
  GenerationRejected: 'GenerationRejected',
  /** The task ran and ended `failed`. */
  GenerationFailed: 'GenerationFailed',
  /** The workflow's deadline passed before the task finished. */
  GenerationTimedOut: 'GenerationTimedOut',
  /** The workflow was cancelled; the remote task (no cancel endpoint) keeps running. */
  GenerationCancelled: 'GenerationCancelled',
  /** Rivya stayed unreachable or broken past the retry budget. */
  RivyaUnavailable: 'RivyaUnavailable',
  /** The task succeeded (and was paid for) but `save.to` could not be written: the video URL is in the details. */
  ResultNotSaved: 'ResultNotSaved',
  /**
   * The input's `accountBudget` (whenExhausted 'fail') had too few credits left: nothing was paid.
   * The same name as the batch's BudgetExceeded (a batch's own budget, checked at its start).
   */
  BudgetExceeded: 'BudgetExceeded',
  /** `approval.required` and someone rejected it: nothing was paid; details.approval says who and why. */
  ApprovalRejected: 'ApprovalRejected',
  /** `approval.required` and no decision came within `approval.timeoutMs`: nothing was paid. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** The input's `account` names no account this worker has a key for: refused before any upload or create, nothing paid. */
  UnknownAccount: 'UnknownAccount',
} as const;
export type FailureType = (typeof FailureTypes)[keyof typeof FailureTypes];

/** Prefix of the ApplicationFailure types activities throw for Rivya API errors: `rivya:<code>`. */
export const RIVYA_ERROR_TYPE_PREFIX = 'rivya:';
/** Activity failure type for a reference that fails local checks (type, size, path, URL). */
export const REFERENCE_REJECTED = 'ReferenceRejected';
/** Activity failure type for a reference URL whose host kept failing (5xx, resets) past the retries. */
export const REFERENCE_DOWNLOAD_FAILED = 'ReferenceDownloadFailed';
/** Activity failure type (non-retryable) of a lease the account budget refused; the run fails as BudgetExceeded. */
export const BUDGET_EXCEEDED = 'BudgetExceeded';
/** Activity failure type (non-retryable) for an `account` the worker has no key for; the run fails as UnknownAccount. */
export const UNKNOWN_ACCOUNT = FailureTypes.UnknownAccount;
/** Activity failure type for a key provider (`apiKeyFor`) that failed or answered with a non-key; the run fails as UnknownAccount. */
export const ACCOUNT_KEY_UNAVAILABLE = 'AccountKeyUnavailable';

export interface CompensationOutcome {
  name: string;
  status: 'completed' | 'failed';
  error?: string;
}

export interface GenerationFailureDetails {
  reason: FailureReason | 'invalid-input' | 'unavailable';
  workflowId: string;
  phase: string;
  taskId: string | null;
  /** Rivya's code and message (task-level `generation_failed`, or an API error code). */
  remoteError: { code: string; message: string } | null;
  credits: CreditReconciliation | null;
  compensations: CompensationOutcome[];
  polls: number;
  issues?: InputIssue[];
  /** Runs with `approval.required` that were rejected or timed out at the gate: who decided and why. */
  approval?: ApprovalDecision;
}

/** The workflow's failure: non-retryable (retrying a run would not change its outcome), details first. */
export function generationFailure(type: FailureType, message: string, details: GenerationFailureDetails): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}
