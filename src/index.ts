/**
 * `rivya-sora2-temporal`: what a backend imports — `Sora2Plugin` for its worker, the helpers that
 * start and attach to generations and batches, the typed failures and the Rivya client. It loads the
 * Temporal client and little else. Integrations have their own entries, each loading its own
 * dependencies only there: `/workflow` (sandbox-safe), `/worker`, `/webhooks`, `/codec`, `/s3`,
 * `/tracing`, `/metrics`, `/nexus`, `/nexus/workflow`, `/testing`, `/simulator`.
 */
export { Sora2Plugin, SORA2_PLUGIN_NAME, type Sora2PluginOptions } from './worker/plugin';
export type { Sora2EncryptionOption } from './codec/plugin-encryption';
export {
  executeSora2Batch,
  SORA2_BATCH_INPUT_HASH_MEMO_KEY,
  SORA2_BATCH_WORKFLOW_TYPE,
  Sora2BatchInputError,
  startSora2Batch,
  type Sora2BatchHandle,
  type StartSora2BatchOptions,
} from './client/helpers';
export {
  DEFAULT_SORA2_TASK_QUEUE,
  executeSora2Generation,
  SORA2_WORKFLOW_TYPE,
  Sora2InputError,
  Sora2WorkflowIdConflictError,
  SORA2_INPUT_HASH_MEMO_KEY,
  startSora2Generation,
  type StartSora2Options,
  type Sora2WorkflowHandle,
} from './client/helpers';
export { generationFailureOf, type GenerationFailure } from './client/generation-failure';
export {
  getSora2Budget,
  setSora2BudgetCap,
  SORA2_BUDGET_WORKFLOW_TYPE,
  sora2BudgetHandle,
  topUpSora2Budget,
  type Sora2BudgetOptions,
} from './client/budget';
export { approveSora2Generation, rejectSora2Generation } from './client/approval';
export {
  estimateSora2Generation,
  type EstimateCheck,
  type EstimateCheckName,
  type EstimateRivya,
  type EstimateSora2Options,
  type Sora2Estimate,
  type Sora2EstimateIssue,
} from './client/estimate';
export {
  estimateSora2Batch,
  type EstimateSora2BatchOptions,
  type Sora2BatchEstimate,
  type Sora2BatchItemEstimate,
} from './client/estimate-batch';
export {
  listSora2Generations,
  Sora2ListFilterError,
  type ListSora2GenerationsFilters,
  type Sora2GenerationPage,
  type Sora2GenerationSummary,
} from './client/list-generations';
export { Sora2TemporalUnavailableError, type TemporalUnavailableRetry } from './client/temporal-unavailable';
export { readRivyaSettings, Sora2ConfigError, type RivyaWorkerSettings } from './worker/settings';
export { Sora2SdkVersionError } from './worker/sdk-compat';
export { Sora2MissingPeerError } from './internal/optional-module';
export type { ReferenceSettings, ReferenceUrlPolicy, SaveSettings, WaitOptions } from '../activities';
// The Rivya HTTP client, its typed errors and the model table: what a caller of createSora2Activities or a
// backend checking inputs needs. Request schemas, retry/redaction helpers and other internals stay unexported.
export {
  DEFAULT_RIVYA_BASE_URL,
  DEFAULT_SORA_MODEL,
  IMAGE_MIME_TYPES,
  isRetryableApiError,
  isSoraModel,
  isTerminal,
  MAX_CLIENT_REQUEST_ID_CHARS,
  MAX_IDEMPOTENCY_KEY_CHARS,
  MAX_PROMPT_CHARS,
  MAX_REFERENCE_BYTES,
  MODEL_SPECS,
  refundState,
  RivyaAbortedError,
  RivyaApiError,
  RivyaClient,
  RivyaError,
  RivyaNetworkError,
  RivyaResponseError,
  RivyaResponseTooLargeError,
  RivyaTimeoutError,
  RivyaUnexpectedRedirectError,
  SORA_2_PARAMS,
  SORA_2_PRO_PARAMS,
  SORA_MODELS,
  TASK_STATUSES,
  type CreateGenerationOptions,
  type CreateGenerationRequest,
  type CreateGenerationResult,
  type Credits,
  type FetchLike,
  type GenerationTask,
  type KnownTaskStatus,
  type ModelList,
  type ModelSpec,
  type PermanentNetworkFailure,
  type ReferenceMediaItem,
  type RefundState,
  type RequestOptions,
  type RivyaClientOptions,
  type RivyaErrorCode,
  type RivyaFile,
  type SelectParamName,
  type SelectParamSpec,
  type SoraModel,
  type TaskStatus,
  type TerminalTaskStatus,
  type UploadFileInput,
} from './rivya';
// Everything the workflow entry exports (an explicit list in ./workflow.ts), so backend code needs one import.
export * from './workflow';
