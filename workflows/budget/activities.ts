/**
 * The budget's activities, as the generation calls them (activities/budget-lease.ts implements
 * them with the worker's Temporal client): a lease asked by an activity, not by the workflow, so
 * a generation waits for credits durably in its activity's retries and the budget is never
 * flooded by signals.
 */
import type { BudgetRefusal, LeaseEnd, LeaseView } from './ledger';

/** The benign "no credits yet, asking again" of rivyaBudgetLease with whenExhausted 'wait'. */
export const BUDGET_LEASE_WAITING = 'BudgetLeaseWaiting';

export interface BudgetLeaseInput {
  budget: string;
  /** The generation's workflow id. */
  leaseId: string;
  credits: number;
  model: string;
  whenExhausted: 'wait' | 'fail';
}

export type BudgetLeaseOutcome = { granted: true; lease: LeaseView } | { granted: false; refusal: BudgetRefusal };

export interface BudgetSettleInput {
  budget: string;
  leaseId: string;
  /** 'commit': the create succeeded with `taskId`; the others end the lease. */
  action: 'commit' | LeaseEnd;
  taskId?: string;
  chargedCredits?: number;
}

export interface BudgetActivities {
  rivyaBudgetLease(input: BudgetLeaseInput): Promise<BudgetLeaseOutcome>;
  rivyaBudgetSettle(input: BudgetSettleInput): Promise<LeaseView | null>;
}

export const BUDGET_ACTIVITY_NAMES: readonly (keyof BudgetActivities)[] = ['rivyaBudgetLease', 'rivyaBudgetSettle'];
