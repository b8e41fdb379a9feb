/**
 * Deciding a generation (or batch) that waits at its approval gate (`approval.required` in the
 * input): approve lets the paid create go ahead; reject ends it ApprovalRejected, nothing paid.
 * Both are validated Updates: a request without `by`, a rejection without a reason, a second
 * decision, or one for a run past its gate is refused — a `WorkflowUpdateFailedError` whose cause
 * is an ApplicationFailure of type `INVALID_OPERATOR_UPDATE` — and writes nothing to history.
 */
import type { Client } from '@temporalio/client';
import type { ApprovalDecision, ApprovalDecisionRequest } from '../../workflows/generation/approval-input';
import { sora2ApproveUpdate, sora2RejectUpdate } from '../../workflows/generation/approval-messages';

/** Approve the paid create of a waiting generation; resolves with the decision as recorded. */
export async function approveSora2Generation(
  client: Client,
  workflowId: string,
  request: ApprovalDecisionRequest,
): Promise<ApprovalDecision> {
  return client.workflow.getHandle(workflowId).executeUpdate(sora2ApproveUpdate, { args: [request] });
}

/** Reject a waiting generation (a reason is required); it ends ApprovalRejected with nothing paid. */
export async function rejectSora2Generation(
  client: Client,
  workflowId: string,
  request: ApprovalDecisionRequest,
): Promise<ApprovalDecision> {
  return client.workflow.getHandle(workflowId).executeUpdate(sora2RejectUpdate, { args: [request] });
}
