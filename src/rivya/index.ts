export * from './client';
export * from './errors';
export * from '../contract/models';
export * from './schemas';
export { isTerminal, refundState, type RefundState, type TerminalTaskStatus } from '../contract/task-status';
export { parseRetryAfter } from './retry-after';
export * from './webhook-schemas';
export { RivyaWebhookEvents, RivyaWebhooks, type WebhookEndpointDeleted, type WebhookListParams } from './webhooks';
