/**
 * The approval gate's Updates (see approval-input.ts for the option and the rules). Each is
 * validated before anything is written: a request without `by`, a rejection without a reason, a
 * second decision, or one for a run that has left the gate is refused and costs no history.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, ApprovalDecisionRequest } from './approval-input';

/** Let the paid create go ahead. Answers with the decision as recorded. */
export const sora2ApproveUpdate = defineUpdate<ApprovalDecision, [ApprovalDecisionRequest]>('sora2Approve');

/** End the run before paying: ApprovalRejected, compensations run. Answers with the decision as recorded. */
export const sora2RejectUpdate = defineUpdate<ApprovalDecision, [ApprovalDecisionRequest]>('sora2Reject');
