/**
 * How generations and operators talk to a budget: one query and validated Updates. A refused
 * Update (no credits left, a bad cap) fails in its validator and writes no history, so generations
 * that wait for credits by asking again cost the budget's history nothing.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BudgetRefusal, LeaseEnd, LeaseRequest, LeaseState, LeaseView } from './ledger';

/** The Update failure type when the lease does not fit: its details[0] is a BudgetRefusal. */
export const BUDGET_EXHAUSTED = 'BudgetExhausted';
/** The Update failure type of a malformed request (a bad cap, an empty lease id). */
export const INVALID_BUDGET_UPDATE = 'InvalidBudgetUpdate';

export interface BudgetLeaseSummary {
  leaseId: string;
  credits: number;
  state: LeaseState;
  taskId: string | null;
  model: string | null;
  since: string;
}

/** What `sora2BudgetState` answers (and `rivya-sora2 budget show` prints). */
export interface BudgetState {
  name: string;
  cap: number;
  spent: number;
  /** Credits leased to generations whose create is pending, unknown or whose task still runs. */
  held: number;
  available: number;
  leases: number;
  /** The oldest leases (at most 100), so an operator can see what holds credits. */
  oldestLeases: BudgetLeaseSummary[];
  granted: number;
  refundedCredits: number;
  /** Runs so far (continue-as-new carries the books). */
  run: number;
  updatesThisRun: number;
}

export const sora2BudgetStateQuery = defineQuery<BudgetState>('sora2BudgetState');

/** A generation asks for its price before the paid create; asking again with the same id returns the same lease. */
export const sora2BudgetLeaseUpdate = defineUpdate<LeaseView, [LeaseRequest]>('sora2BudgetLease');

export interface CommitLeaseRequest {
  leaseId: string;
  taskId: string;
}
export const sora2BudgetCommitUpdate = defineUpdate<LeaseView | null, [CommitLeaseRequest]>('sora2BudgetCommit');

export interface SettleLeaseRequest {
  leaseId: string;
  end: LeaseEnd;
  /** For 'spent': what Rivya charged, when known (else the leased price). */
  chargedCredits?: number;
}
/** A lease ends: spent, refunded by Rivya (a failed task) or released (nothing was created). Operators may settle a stuck one. */
export const sora2BudgetSettleUpdate = defineUpdate<LeaseView | null, [SettleLeaseRequest]>('sora2BudgetSettle');

export const sora2BudgetSetCapUpdate = defineUpdate<BudgetState, [{ cap: number }]>('sora2BudgetSetCap');
export const sora2BudgetTopUpUpdate = defineUpdate<BudgetState, [{ credits: number }]>('sora2BudgetTopUp');

export type { BudgetRefusal, LeaseEnd, LeaseRequest, LeaseView };
