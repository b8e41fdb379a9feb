/**
 * `rivya-sora2-temporal/workflow`: only workflow-safe code (no I/O, no Node built-ins), so it can be
 * imported from a Temporal workflows module and bundled into the workflow sandbox.
 *
 *   // workflows.ts of your worker
 *   export { sora2Generation } from 'rivya-sora2-temporal/workflow';
 */
export { sora2Generation, type Sora2CarriedState, type Sora2GenerationResult } from '../workflows/generation/sora2-generation';
export {
  checkSora2Input,
  describeIssues,
  rivyaParams,
  sora2GenerationInputSchema,
  pollingOptionsSchema,
  completionOptionsSchema,
  type CompletionOptions,
  type InputIssue,
  type PipelineCompensation,
  type PollingOptions,
  type SaveOptions,
  type Sora2GenerationInput,
  type Sora2GenerationRequest,
  type Sora2Reference,
} from '../workflows/generation/input';
export {
  ACCOUNT_KEY_UNAVAILABLE,
  FailureTypes,
  REFERENCE_DOWNLOAD_FAILED,
  REFERENCE_REJECTED,
  RIVYA_ERROR_TYPE_PREFIX,
  UNKNOWN_ACCOUNT,
  type CompensationOutcome,
  type FailureType,
  type GenerationFailureDetails,
} from '../workflows/common/failures';
export type {
  CompensationContext,
  CreditReconciliation,
  FailureReason,
  Sora2Activities,
  SavedVideo,
  SaveResultInput,
  TaskSnapshot,
  UploadedReference,
  WaitPlan,
} from '../workflows/common/activity-contract';
export { RESULT_SAVE_FAILED_ERROR_TYPE, RESULT_SAVE_REJECTED_ERROR_TYPE, RESULT_NOT_SAVED } from '../workflows/common/activity-contract';
export {
  parseSaveTarget,
  formatSaveTarget,
  savedFileName,
  SAVE_TARGET_LIMITS,
  type SaveTarget,
  type SaveTargetCheck,
} from './contract/save-target';
export {
  sora2ExtendDeadlineUpdate,
  sora2PollNowSignal,
  sora2PollNowUpdate,
  sora2SetPollingUpdate,
  sora2StatusQuery,
  sora2WebhookEventSignal,
  WEBHOOK_EVENT_TYPES,
  type EffectivePolling,
  type ExtendDeadlineRequest,
  type ExtendDeadlineResult,
  type SetPollingRequest,
  type CompletionStatus,
  type GenerationPhase,
  type GenerationStatus,
  type WebhookEventSignal,
  type WebhookEventType,
} from '../workflows/generation/messages';
export {
  expectationFor,
  expectedDurationMs,
  nextPollDelayMs,
  retryCheckDelayMs,
  safetyNetDelayMs,
  type Expectation,
  type LearnedDuration,
  type PollTiming,
} from '../workflows/generation/polling-schedule';
export type { CompletedBy } from '../workflows/generation/state';
export { INVALID_OPERATOR_UPDATE } from '../workflows/generation/operator-updates';
// Approval before paying (`approval` in the input) and the ETA in the status.
export { sora2ApproveUpdate, sora2RejectUpdate } from '../workflows/generation/approval-messages';
export {
  APPROVAL_LIMITS,
  approvalOptionsSchema,
  type ApprovalDecision,
  type ApprovalDecisionRequest,
  type ApprovalOptions,
  type ApprovalStatus,
  type ApprovalVerdict,
} from '../workflows/generation/approval-input';
export { etaAt, type DurationQuantile, type EtaStatus, type LearnedQuantiles } from '../workflows/generation/eta';
export {
  RIVYA_ACCOUNT,
  RIVYA_BATCH_ID,
  RIVYA_MODEL,
  RIVYA_SEARCH_ATTRIBUTES,
  RIVYA_TASK_ID,
  RIVYA_TASK_STATUS,
} from '../workflows/common/search-attributes';
// Which account pays: the input's `account` name (the worker maps it to a key).
export { ACCOUNT_NAME_LIMITS, ACCOUNT_NAME_PATTERN, checkAccountName, type AccountNameCheck } from './contract/account';
// Batches: many generations as children of one workflow, under a concurrency cap and a credit budget.
export { sora2Batch, type BatchCarriedState, type Sora2BatchResult } from '../workflows/batch/sora2-batch';
export {
  BATCH_LIMITS,
  checkSora2BatchInput,
  childWorkflowId,
  sora2BatchInputSchema,
  type Sora2BatchInput,
  type Sora2BatchItem,
  type Sora2BatchSettings,
} from '../workflows/batch/input';
export { BatchFailureTypes, type BatchFailureDetails, type BatchFailureType } from '../workflows/batch/failures';
export {
  sora2BatchAddItemsUpdate,
  sora2BatchCancelRemainingUpdate,
  sora2BatchStatusQuery,
  type AddItemsResult,
  type CancelRemainingRequest,
  type CancelRemainingResult,
} from '../workflows/batch/messages';
export type { BatchCounts, BatchItemOutcome, BatchItemStatus, BatchStatus, BatchStop } from '../workflows/batch/state';
// The account budget: one entity workflow per name that leases credits before each paid create (workflows/budget/).
export { sora2Budget, BUDGET_DEFAULTS, type BudgetCarriedState, type Sora2BudgetInput } from '../workflows/budget/sora2-budget';
export {
  accountBudgetOptionsSchema,
  budgetNameOf,
  budgetWorkflowId,
  DEFAULT_BUDGET_NAME,
  type AccountBudgetOptions,
} from '../workflows/budget/input';
export {
  BUDGET_EXHAUSTED,
  INVALID_BUDGET_UPDATE,
  sora2BudgetCommitUpdate,
  sora2BudgetLeaseUpdate,
  sora2BudgetSetCapUpdate,
  sora2BudgetSettleUpdate,
  sora2BudgetStateQuery,
  sora2BudgetTopUpUpdate,
  type BudgetLeaseSummary,
  type BudgetState,
  type CommitLeaseRequest,
  type SettleLeaseRequest,
} from '../workflows/budget/messages';
export type { BudgetRefusal, LeaseEnd, LeaseRequest, LeaseView } from '../workflows/budget/ledger';
// The Nexus contract (it needs `nexus-rpc`) has its own workflow-safe entry: `rivya-sora2-temporal/nexus/workflow`.
