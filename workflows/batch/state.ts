/**
 * What a batch remembers — and hands to the next run on continue-as-new — and what it returns:
 * bounded records per item (never the children's full results), the items still queued, the
 * children still running, and the credit ledger the budget is checked against. Workflow-safe.
 */
import type { PreparedItem } from './input';
import type { ApprovalStatus } from '../generation/approval-input';

export type BatchItemStatus = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

/** One item's outcome: small on purpose (the result lists thousands). The child's history has the rest. */
export interface BatchItemOutcome {
  key: string;
  status: BatchItemStatus;
  /** The Rivya task, when one was created. */
  taskId: string | null;
  /** Credits this item cost: the final credits of its task, 0 when refunded or never created. */
  credits: number;
  /** Where its video was saved, when the batch saves. */
  location: string | null;
  /** Why it did not succeed: the child's failure type (FailureTypes) or the batch's reason, and a short message. */
  error: { type: string; message: string } | null;
}

/** A child started by an earlier run of this batch and not yet finished: the new run waits for it by id. */
export interface RunningItem {
  key: string;
  price: number;
}

/** Why the batch stopped starting items (null while it goes on). */
export interface BatchStop {
  reason: 'item-failed' | 'operator';
  /** The item whose failure stopped it (`item-failed`). */
  key: string | null;
  /** Running children were cancelled rather than left to finish. */
  cancelRunning: boolean;
}

export interface BatchCredits {
  /** The cap: min(budget, wallet at start); null when neither is known. */
  budget: number | null;
  /** The wallet as read at the batch's start. */
  walletAtStart: number | null;
  /** Σ final credits of finished items (refunds already deducted). */
  spent: number;
}

/** Everything a run hands to the next one on continue-as-new. */
export interface BatchCarriedState {
  startedAtMs: number;
  queue: PreparedItem[];
  running: RunningItem[];
  outcomes: BatchItemOutcome[];
  credits: BatchCredits;
  /** The default key of the next item added without one. */
  nextIndex: number;
  stop: BatchStop | null;
  continuedAsNew: number;
}

export interface BatchCounts {
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped: number;
}

/** What the `sora2BatchStatus` query returns (and the UI details show). */
export interface BatchStatus {
  /** awaiting-approval: `approval.required`, no child started yet (batch/approval-gate.ts). */
  phase: 'awaiting-approval' | 'running' | 'stopping' | 'continuing-as-new' | 'finished';
  counts: BatchCounts;
  credits: BatchCredits & { /** Σ price of the running items: what they may still cost. */ reserved: number };
  concurrency: number;
  onFailure: 'continue' | 'stop';
  stop: BatchStop | null;
  continuedAsNew: number;
  startedAt: string;
  /** The keys of the running items, at most 20 (the UI shows them). */
  runningKeys: string[];
  /** The batch's approval gate while it waits (price: Σ priceOf of the items); absent otherwise. */
  approval?: ApprovalStatus | null;
}

export interface Sora2BatchResult {
  batchId: string;
  counts: BatchCounts;
  credits: BatchCredits;
  stop: BatchStop | null;
  continuedAsNew: number;
  timings: { startedAt: string; completedAt: string; totalMs: number };
  /** Every item, in the order it finished. */
  items: BatchItemOutcome[];
}

export function initialBatchState(items: PreparedItem[], credits: BatchCredits, nowMs: number): BatchCarriedState {
  return { startedAtMs: nowMs, queue: items, running: [], outcomes: [], credits, nextIndex: items.length, stop: null, continuedAsNew: 0 };
}

/**
 * The budget rule: what the batch has committed is what finished items cost plus the full price
 * of everything running (it may still be charged). An item starts only if that plus its own price
 * stays within the budget.
 */
export function committedCredits(spent: number, reservedByRunning: number): number {
  return spent + reservedByRunning;
}

export function fitsBudget(budget: number | null, committed: number, price: number): boolean {
  return budget === null || committed + price <= budget;
}

/** Shortens foreign text for an outcome record: printable ASCII, at most `max` characters. */
export function shortText(text: string, max: number): string {
  const plain = text.replace(/[^\x20-\x7e]/g, '?');
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}
