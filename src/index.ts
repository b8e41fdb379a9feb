/**
 * `rivya-sora2-temporal`: the worker/client side. Workflow-safe code lives in
 * `rivya-sora2-temporal/workflow`; the API simulator in `rivya-sora2-temporal/simulator`.
 */
export { Sora2Plugin, SORA2_PLUGIN_NAME, type Sora2PluginOptions } from './plugin';
// Payload encryption: the codec the plugin installs (`encryption` option), its key ring, and the codec server for the UI.
export {
  AesGcmPayloadCodec,
  CodecConfigError,
  CodecKeyRing,
  CodecServerConfigError,
  codecKeysConfigured,
  encryptionDataConverter,
  PayloadDecryptionError,
  readCodecKeyRing,
  readCodecServerTokens,
  startCodecServer,
  UnknownCodecKeyError,
  type CodecKeyInput,
  type RunningCodecServer,
  type StartCodecServerOptions,
} from './codec';
export type { Sora2EncryptionOption } from './codec/plugin-encryption';
export {
  executeSora2Batch,
  SORA2_BATCH_INPUT_HASH_MEMO_KEY,
  SORA2_BATCH_WORKFLOW_TYPE,
  Sora2BatchInputError,
  startSora2Batch,
  type Sora2BatchHandle,
  type StartSora2BatchOptions,
} from './client-helpers';
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
} from './client-helpers';
export { generationFailureOf, type GenerationFailure } from './generation-failure';
// Tracing (OTLP) and metrics (the SDK's Prometheus endpoint): what a worker or backend of your own wires up.
export {
  createRivyaRequestObserver,
  DETECTION_LATENCY_BUCKETS_S,
  metricsSettingsFromEnv,
  prometheusTelemetry,
  RivyaMetrics,
  startTracing,
  tracedClient,
  tracingSettingsFromEnv,
  webhookOutcomeCounter,
  type MetricsSettings,
  type RivyaTracing,
  type TracingSettings,
} from './observability';
export {
  createGenerateOperationHandler,
  createSora2NexusServiceHandler,
  nexusGenerationWorkflowId,
  type GenerateOperationHandler,
  type NexusGenerationKey,
  type Sora2NexusOptions,
} from './nexus';
export { createSora2Worker, type CreateSora2WorkerOptions } from './worker/create-worker';
export { readRivyaSettings, Sora2ConfigError, type RivyaWorkerSettings } from './worker-settings';
export {
  CompletionLearner,
  createSora2Activities,
  type ReferenceSettings,
  type ReferenceUrlPolicy,
  type SaveSettings,
  type WaitOptions,
} from '../activities';
// Saving results (`save.to`): the target parser the input uses, and the S3 client the activity builds from the AWS chain.
export { createS3Client, parseSaveTarget, savedFileName, type S3ClientOptions, type SaveTarget } from './storage';
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
export * from './webhooks';
export { ensureTemporalCli, locateTemporalCli, TemporalCliNotFoundError } from './temporal-cli';
