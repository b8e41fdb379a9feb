export * from './client';
export * from './errors';
export * from './models';
export * from './schemas';
export { isTerminal, refundState, type RefundState, type TerminalTaskStatus } from './task-status';
export { parseRetryAfter } from './retry-after';
export * from './webhook-schemas';
export { RivyaWebhookEvents, RivyaWebhooks, type WebhookEndpointDeleted, type WebhookListParams } from './webhooks';
