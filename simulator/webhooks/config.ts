/**
 * The simulator's webhook settings (`config.webhooks`): URL allowance, delivery timeout, the S10
 * retry schedule, when an endpoint is disabled, and the delivery faults. Part of
 * `simulatorConfigSchema`, so `POST /_simulator/config` sets it like everything else.
 */
import { z } from 'zod';

/** D8's event types; an endpoint subscribes to a non-empty subset. */
export const WEBHOOK_EVENT_TYPES = ['generation.succeeded', 'generation.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** What `POST /webhooks/{id}/test` sends: not subscribable, sent to that one endpoint only. */
export const WEBHOOK_TEST_EVENT_TYPE = 'webhook.test';

/** The D8 routes, each counted and faultable on its own like the other API routes. */
export const WEBHOOK_API_ENDPOINTS = [
  'createWebhook',
  'listWebhooks',
  'getWebhook',
  'updateWebhook',
  'deleteWebhook',
  'rotateWebhookSecret',
  'listWebhookDeliveries',
  'testWebhook',
  'listWebhookEvents',
] as const;
export type WebhookApiEndpoint = (typeof WEBHOOK_API_ENDPOINTS)[number];

export const WEBHOOK_FAULT_KINDS = [
  /** The event is never delivered to the endpoint, and never retried: what a safety-net poll covers. */
  'drop',
  /** Delivered, then the same event (same `webhook-id`) once more right after the first attempt. */
  'duplicate',
  /** The first attempt waits `delayMs`. */
  'delay',
  /** Held back until the endpoint's next delivery has been attempted (at most `reorderMaxHoldMs`). */
  'reorder',
  /** Before the genuine delivery, a copy with tampered data and a signature from a wrong secret. */
  'forged_signature',
  /** After the first attempt, a genuine copy signed with a timestamp `staleBySeconds` in the past. */
  'stale_replay',
  /** The first `unreachableAttempts` attempts fail without sending (status 0), so S10 retries apply. */
  'unreachable',
] as const;
export type WebhookFaultKind = (typeof WEBHOOK_FAULT_KINDS)[number];

/** S10's example schedule: 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h. */
export const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000];

const webhookFaultRules = z.object({
  /** Probability per delivery (one event to one endpoint) of each fault, from a seeded PRNG. */
  rates: z.record(z.enum(WEBHOOK_FAULT_KINDS), z.number().min(0).max(1)).default({}),
  /** Faults served first, in order, one per delivery, before any rate applies: deterministic tests. */
  script: z.array(z.enum(WEBHOOK_FAULT_KINDS)).default([]),
  delayMs: z.number().nonnegative().default(2_000),
  staleBySeconds: z.number().positive().default(600),
  unreachableAttempts: z.number().int().positive().default(1),
  /** A reordered delivery goes out after this long even when no other delivery came. */
  reorderMaxHoldMs: z.number().nonnegative().default(30_000),
});
export type WebhookFaultRules = z.infer<typeof webhookFaultRules>;

export const webhooksConfigSchema = z
  .object({
    /**
     * Lets endpoints use loopback URLs (127.0.0.0/8, ::1, localhost) over plain http: local runs
     * and tests. Private, link-local and reserved addresses stay refused even then.
     */
    allowLoopbackUrls: z.boolean().default(false),
    /** A delivery attempt not answered with a 2xx within this long failed (S10: 10 s). */
    timeoutMs: z.number().positive().default(10_000),
    /** Delay before retry n (n = 1..length); after the last, the delivery has failed. */
    retryDelaysMs: z.array(z.number().nonnegative()).default(DEFAULT_RETRY_DELAYS_MS),
    /** Consecutive failed deliveries (all attempts used up) after which an endpoint is disabled. */
    disableAfterFailures: z.number().int().positive().default(5),
    faults: webhookFaultRules.default({}),
  })
  .default({});
export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;
export type WebhooksConfigInput = z.input<typeof webhooksConfigSchema>;

/** A patch merges into the current settings (and `faults` into the current faults); arrays replace. */
export function mergeWebhooksConfig(current: WebhooksConfig, patch: WebhooksConfigInput | undefined): WebhooksConfigInput {
  if (patch === undefined) return current;
  return { ...current, ...patch, faults: { ...current.faults, ...patch.faults } };
}
