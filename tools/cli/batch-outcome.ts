/**
 * How a closed batch ended, in the same words for `batch`, `batch-status` and `status`: a batch that
 * returned a result is not "succeeded" unless every item did (an operator's cancel returns a result
 * too), and a batch that failed (BudgetExceeded, BatchInvalid…) is told as its typed failure, never
 * as the SDK's error about a query the failed batch never registered.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BatchFailureTypes, type BatchFailureDetails } from '../../workflows/batch/failures';
import type { BatchStatus, Sora2BatchResult } from '../../workflows/batch/state';
import { ExitCodes } from './exit-codes';
import { printable as p } from './printable';

export interface BatchFailure {
  type: string;
  message: string;
  details: BatchFailureDetails | null;
}

/** The batch's typed failure inside a WorkflowFailedError; undefined for anything else. */
export function batchFailureOf(err: unknown): BatchFailure | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure) || !err.cause.type) return undefined;
  return { type: err.cause.type, message: err.cause.message, details: (err.cause.details?.[0] as BatchFailureDetails | undefined) ?? null };
}

/** Nothing started (invalid, over the budget or the wallet): the caller's to fix, 2; any other end of the batch, 1. */
export function exitCodeOfBatchFailure(type: string): number {
  return type === BatchFailureTypes.BatchInvalid || type === BatchFailureTypes.BudgetExceeded ? ExitCodes.invalid : ExitCodes.failed;
}

/** 0 when every item succeeded, else 1: the table says which did not. */
export function exitCodeOfResult(result: Pick<Sora2BatchResult, 'counts'>): number {
  return result.counts.succeeded === result.counts.total ? ExitCodes.ok : ExitCodes.failed;
}

/** The failure as lines: the type and message, then the numbers behind it. */
export function formatBatchFailure(failure: BatchFailure): string[] {
  const lines = [`failed: ${p(failure.type)}: ${p(failure.message)}`];
  const details = failure.details;
  if (!details) return lines;
  if (typeof details.required === 'number') lines.push(`  required: ${p(details.required)} credits`);
  if (details.budget !== undefined && details.budget !== null) lines.push(`  budget: ${p(details.budget)} credits`);
  if (details.wallet !== undefined && details.wallet !== null) lines.push(`  wallet: ${p(details.wallet)} credits`);
  for (const issue of details.issues ?? []) lines.push(`  invalid ${p(issue.path)}: ${p(issue.message)}`);
  if (details.counts) {
    const counts = Object.entries(details.counts).map(([outcome, count]) => `${p(count)} ${p(outcome)}`);
    if (counts.length > 0) lines.push(`  items: ${counts.join(', ')}`);
  }
  if (typeof details.spent === 'number') lines.push(`  credits spent: ${p(details.spent)}`);
  return lines;
}

/** One word (or a few) for how a batch that returned a result ended. */
export function batchOutcomeWord(result: Pick<Sora2BatchResult, 'counts' | 'stop'>): string {
  if (result.stop?.reason === 'operator') return 'cancelled by an operator';
  if (result.counts.succeeded === result.counts.total) return 'succeeded';
  if (result.stop?.reason === 'item-failed') return `stopped: item ${p(result.stop.key ?? '?')} failed`;
  return 'finished with failures';
}

/** "0 of 8 succeeded, 0 failed, 3 cancelled, 5 skipped; 0 credits spent". */
export function batchCountsLine(result: Pick<Sora2BatchResult, 'counts' | 'credits'>): string {
  const { counts, credits } = result;
  return (
    `${counts.succeeded} of ${counts.total} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ` +
    `${counts.skipped} skipped; ${credits.spent} credits spent`
  );
}

/** The batch's final status, as the progress bar and `batch-status` show a running one. */
export function finalStatusOf(result: Sora2BatchResult): BatchStatus {
  return {
    phase: 'finished',
    counts: result.counts,
    credits: { ...result.credits, reserved: 0 },
    concurrency: 0,
    onFailure: 'continue',
    stop: result.stop,
    continuedAsNew: result.continuedAsNew,
    startedAt: result.timings.startedAt,
    runningKeys: [],
  };
}

export interface ClosedBatch {
  lines: string[];
  code: number;
  /** The result, when the batch returned one (for --json). */
  result?: Sora2BatchResult;
  failure?: BatchFailure;
}

/** A closed batch's outcome: its result (counts, how it ended) or its typed failure. */
export async function closedBatchOutcome(handle: WorkflowHandle, batchId: string, temporalStatus: string): Promise<ClosedBatch> {
  try {
    const result = (await handle.result()) as Sora2BatchResult;
    return {
      lines: [`batch ${p(batchId)}: ${batchOutcomeWord(result)} (Temporal status ${p(temporalStatus)})`, `  ${batchCountsLine(result)}`],
      code: exitCodeOfResult(result),
      result,
    };
  } catch (err) {
    const failure = batchFailureOf(err);
    if (!failure) throw err;
    const word = failure.type === BatchFailureTypes.BatchCancelled ? 'cancelled' : 'failed';
    return {
      lines: [`batch ${p(batchId)}: ${word} (Temporal status ${p(temporalStatus)})`, ...formatBatchFailure(failure)],
      code: exitCodeOfBatchFailure(failure.type),
      failure,
    };
  }
}
