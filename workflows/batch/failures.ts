/**
 * The typed ends of a batch, as ApplicationFailure types (like FailureTypes for a generation):
 * non-retryable (running the batch again would not change them), details first.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { InputIssue } from '../generation/input';
import type { ApprovalDecision } from '../generation/approval-input';

export const BatchFailureTypes = {
  /** The input is invalid (an item, a setting, a bound): nothing was started. */
  BatchInvalid: 'BatchInvalid',
  /** The items cost more than the budget or the wallet can cover: nothing was started. */
  BudgetExceeded: 'BudgetExceeded',
  /** The wallet could not be read at the start (Rivya unreachable, key without credits:read): nothing was started. */
  WalletUnavailable: 'WalletUnavailable',
  /** The batch itself was cancelled: queued items were skipped, running children cancelled. */
  BatchCancelled: 'BatchCancelled',
  /** `approval.required` and someone rejected the batch's estimated cost: no item was started. */
  ApprovalRejected: 'ApprovalRejected',
  /** `approval.required` and no decision came within `approval.timeoutMs`: no item was started. */
  ApprovalTimedOut: 'ApprovalTimedOut',
} as const;
export type BatchFailureType = (typeof BatchFailureTypes)[keyof typeof BatchFailureTypes];

export interface BatchFailureDetails {
  batchId: string;
  /** Σ price of the items (BudgetExceeded). */
  required?: number;
  /** The budget given in the input (BudgetExceeded). */
  budget?: number | null;
  /** The wallet as read at the start (BudgetExceeded). */
  wallet?: number | null;
  issues?: InputIssue[];
  /** Items by outcome so far (BatchCancelled). */
  counts?: Record<string, number>;
  /** Credits the finished items cost (BatchCancelled). */
  spent?: number;
  /** Who rejected the batch and why, or the timeout (ApprovalRejected, ApprovalTimedOut). */
  approval?: ApprovalDecision;
}

export function batchFailure(type: BatchFailureType, message: string, details: BatchFailureDetails): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}
