/**
 * One approval for a whole batch (`approval.required` in the batch input): after the items were
 * checked and the wallet read, before any child starts, the batch waits for the same `approve` /
 * `reject` Updates a generation takes (generation/approval.ts), showing Σ priceOf of its items.
 * A rejection or timeout ends the batch typed with no child started, so nothing is paid. Only
 * batches that ask take this path: others emit no command here. Workflow-safe.
 */
import { setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApprovalOptions } from '../generation/approval-input';
import { ApprovalGate, ApprovalNotGiven, AWAITING_APPROVAL_STATUS, setApprovalHandlers, type ApprovalHolder } from '../generation/approval';
import { RIVYA_TASK_STATUS } from '../common/search-attributes';
import { batchFailure, BatchFailureTypes } from './failures';
import { sora2BatchStatusQuery } from './messages';
import type { BatchCredits, BatchStatus } from './state';

export interface BatchApprovalFacts {
  batchId: string;
  approval: ApprovalOptions | undefined;
  items: number;
  /** Σ priceOf of the items: what approving lets the batch spend. */
  requiredCredits: number;
  searchAttributes: boolean;
  /** For the status query while waiting (the batch's own handler replaces it once children start). */
  credits: BatchCredits;
  concurrency: number;
  onFailure: 'continue' | 'stop';
}

/** Returns once approved (or when no approval is asked); throws the batch's typed failure otherwise. */
export async function passBatchApproval(facts: BatchApprovalFacts): Promise<void> {
  if (facts.approval?.required !== true) return;
  const holder: ApprovalHolder = {};
  const gate = new ApprovalGate(facts.approval, facts.requiredCredits, holder);
  const run = { phase: 'awaiting-approval', publishDetails: () => undefined };
  setApprovalHandlers(gate, run);
  const startedAt = new Date(Date.now()).toISOString();
  setHandler(sora2BatchStatusQuery, (): BatchStatus => ({
    phase: 'awaiting-approval',
    counts: { total: facts.items, queued: facts.items, running: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 },
    credits: { ...facts.credits, reserved: 0 },
    concurrency: facts.concurrency,
    onFailure: facts.onFailure,
    stop: null,
    continuedAsNew: 0,
    startedAt,
    runningKeys: [],
    approval: gate.status(),
  }));
  try {
    await gate.pass(
      () => Date.now(),
      () => {
        const timeoutAt = gate.status()?.timeoutAt ?? 'never';
        setCurrentDetails(
          [
            '**Phase:** awaiting approval',
            `**Items:** ${facts.items}, estimated cost ${facts.requiredCredits} credits (Σ priceOf)`,
            `**Times out:** ${timeoutAt} (\`rivya-sora2 approve|reject ${facts.batchId}\`)`,
          ].join('\n\n'),
        );
        if (facts.searchAttributes) upsertSearchAttributes([{ key: RIVYA_TASK_STATUS, value: AWAITING_APPROVAL_STATUS }]);
      },
    );
  } catch (err) {
    if (!(err instanceof ApprovalNotGiven)) throw err;
    const rejected = err.decision.verdict === 'rejected';
    if (facts.searchAttributes)
      upsertSearchAttributes([{ key: RIVYA_TASK_STATUS, value: rejected ? 'approval_rejected' : 'approval_timed_out' }]);
    throw batchFailure(
      rejected ? BatchFailureTypes.ApprovalRejected : BatchFailureTypes.ApprovalTimedOut,
      `${err.message}; no item was started`,
      { batchId: facts.batchId, required: facts.requiredCredits, approval: err.decision },
    );
  } finally {
    run.phase = 'running'; // past the gate: a later decision is refused
  }
  // Approved: the batch is no longer waiting (its children carry their own RivyaTaskStatus).
  if (facts.searchAttributes) upsertSearchAttributes([{ key: RIVYA_TASK_STATUS, value: null }]);
}
