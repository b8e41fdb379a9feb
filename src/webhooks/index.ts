/**
 * The Rivya webhook receiver: verifies signed deliveries (Standard Webhooks by default), finds the
 * workflow that owns the task through the `RivyaTaskId` search attribute, and signals it.
 */
export { createRivyaWebhookHandler, type RivyaWebhookHandler, type RivyaWebhookHandlerOptions } from './handler';
export {
  DEFAULT_NOT_YET_VISIBLE_GRACE_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_DELIVERY_MEMORY_SIZE,
  DEFAULT_ROUTE_CACHE_SIZE,
  DEFAULT_TEMPORAL_TIMEOUT_MS,
  MAX_NOT_YET_VISIBLE_GRACE_MS,
} from './handler';
export {
  startWebhookReceiver,
  DEFAULT_WEBHOOK_HOST,
  DEFAULT_WEBHOOK_HTTP_BOUNDS,
  DEFAULT_WEBHOOK_PATH,
  HEALTH_PATH,
  type RunningWebhookReceiver,
  type StartWebhookReceiverOptions,
} from './server';
export {
  StandardWebhooksVerifier,
  DEFAULT_TIMESTAMP_TOLERANCE_SECONDS,
  MAX_TIMESTAMP_TOLERANCE_SECONDS,
  type StandardWebhooksVerifierOptions,
  type VerifiableRequest,
  type VerificationFailure,
  type VerificationResult,
  type WebhookVerifier,
} from './verify';
export { parseWebhookSecrets, checkWebhookSecrets, WebhookConfigError, MAX_WEBHOOK_SECRETS, WEBHOOK_SECRETS_ENV } from './secrets';
export { WEBHOOK_OUTCOMES, OUTCOME_STATUS, type WebhookOutcome, type OutcomeDetails, type WebhookStats } from './outcomes';
export { DEFAULT_MAX_BODY_BYTES } from './body';
export { EVENT_ID_PATTERN, TASK_ID_PATTERN } from './envelope';
export { unknownTaskVerdict, type UnknownTaskVerdict } from './visibility-race';
