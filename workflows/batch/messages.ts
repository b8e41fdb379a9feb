/**
 * How operators and pipelines talk to a running batch: a status query and two validated Updates.
 * A rejected Update (bad items, over the budget, batch already stopping) fails with type
 * `InvalidOperatorUpdate` (as a generation's operator Updates) and writes no history.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Sora2BatchItem } from './input';
import type { BatchStatus } from './state';

/** Live counts (done / running / failed / queued), credits spent and reserved. Costs no history. */
export const sora2BatchStatusQuery = defineQuery<BatchStatus>('sora2BatchStatus');

export interface AddItemsResult {
  /** The keys the new items got (given, or their index in the batch). */
  keys: string[];
  queued: number;
  /** Credits committed if every queued and running item is charged, against the budget. */
  committedWorstCase: number;
  budget: number | null;
}

/** Queue more items; refused as a whole when one is invalid or the lot would not fit the budget. */
export const sora2BatchAddItemsUpdate = defineUpdate<AddItemsResult, [Sora2BatchItem[]]>('sora2BatchAddItems');

export interface CancelRemainingRequest {
  /** Also cancel the running children (each runs its compensation); default: let them finish. */
  cancelRunning?: boolean;
}

export interface CancelRemainingResult {
  /** Queued items now skipped. */
  skipped: number;
  /** Running children asked to cancel (0 unless cancelRunning). */
  cancelled: number;
  /** Running children left to finish. */
  running: number;
}

/** Start nothing more: queued items are skipped; the batch ends once the running ones have. */
export const sora2BatchCancelRemainingUpdate = defineUpdate<CancelRemainingResult, [CancelRemainingRequest]>('sora2BatchCancelRemaining');
