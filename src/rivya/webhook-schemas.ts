/**
 * Wire shapes of D8's webhook endpoint management, validated with zod. Like every other schema
 * here, objects are non-strict (Rivya may add fields at any time) and unknown fields are dropped.
 *
 * The endpoint object never carries `signing_secret`, even if an answer did: the secret only
 * reaches a caller through the two calls that documentedly return it (create, rotate-secret),
 * whose schema adds it back. A list, a retrieve or an update can therefore never leak it into a
 * table, a log line or a JSON dump.
 */
import { z } from 'zod';

/** D8: the two documented event types. Rivya may add more; the types stay open. */
export const WEBHOOK_EVENT_TYPES = ['generation.succeeded', 'generation.failed'] as const;
export type KnownWebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export type WebhookEventType = KnownWebhookEventType | (string & {});

/** D8: `active` on create; `disabled` after too many failed deliveries (S10), `revoked` when deleted. Open. */
export type WebhookEndpointStatus = 'active' | 'disabled' | 'revoked' | (string & {});

const nullableText = z.string().nullable().optional().default(null);

export const webhookEndpointSchema = z.object({
  /** `whend_…` */
  id: z.string().min(1),
  name: nullableText,
  url: z.string(),
  event_types: z.array(z.string()).optional().default([]),
  status: z
    .string()
    .min(1)
    .transform((status): WebhookEndpointStatus => status),
  /** What may be shown of the secret (e.g. `whsec_…AbCd`); never enough to sign with. */
  secret_preview: nullableText,
  failure_count: z.number().optional().default(0),
  last_success_at: nullableText,
  last_failure_at: nullableText,
  disabled_at: nullableText,
  revoked_at: nullableText,
  created_at: nullableText,
  updated_at: nullableText,
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** Create and rotate-secret: the endpoint plus its signing secret (`whsec_…`), shown only this once. */
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({ signing_secret: z.string().min(1) });
export type WebhookEndpointWithSecret = z.infer<typeof webhookEndpointWithSecretSchema>;

/**
 * One delivery attempt. D8 names the route but not the object, so the fields are read tolerantly
 * (a few likely spellings each) and given one shape: what the CLI's table needs and little more.
 */
export const webhookDeliverySchema = z
  .object({
    id: z.string().optional(),
    delivery_id: z.string().optional(),
    event_id: z.string().nullable().optional(),
    event_type: z.string().nullable().optional(),
    type: z.string().nullable().optional(),
    event: z.object({ id: z.string().optional(), type: z.string().optional() }).nullable().optional(),
    attempt: z.number().nullable().optional(),
    attempt_number: z.number().nullable().optional(),
    /** A word (`succeeded`, `failed`, `pending`…) or the receiver's HTTP status itself (0: no answer). */
    status: z.union([z.string(), z.number()]).nullable().optional(),
    response_status: z.number().nullable().optional(),
    response_status_code: z.number().nullable().optional(),
    http_status: z.number().nullable().optional(),
    status_code: z.number().nullable().optional(),
    error: z
      .union([z.string(), z.object({ message: z.string().optional(), code: z.string().optional() })])
      .nullable()
      .optional(),
    created_at: z.string().nullable().optional(),
    attempted_at: z.string().nullable().optional(),
    delivered_at: z.string().nullable().optional(),
    next_attempt_at: z.string().nullable().optional(),
  })
  .transform((d) => ({
    id: d.id ?? d.delivery_id ?? null,
    event_id: d.event_id ?? d.event?.id ?? null,
    event_type: d.event_type ?? d.event?.type ?? d.type ?? null,
    attempt: d.attempt ?? d.attempt_number ?? null,
    /** e.g. `succeeded`, `failed`, `pending` (open); from a numeric status, 2xx `succeeded`, else `failed`. */
    status: typeof d.status === 'number' ? (d.status >= 200 && d.status < 300 ? 'succeeded' : 'failed') : (d.status ?? null),
    /** The receiver's HTTP status, when it answered at all. */
    response_status:
      d.response_status ??
      d.response_status_code ??
      d.http_status ??
      d.status_code ??
      (typeof d.status === 'number' && d.status > 0 ? d.status : null),
    error: typeof d.error === 'string' ? d.error : (d.error?.message ?? d.error?.code ?? null),
    created_at: d.created_at ?? d.attempted_at ?? d.delivered_at ?? null,
    next_attempt_at: d.next_attempt_at ?? null,
  }));
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/**
 * A list answer: `{ data: [...] }` (with optional paging fields), or a bare array — the envelope is
 * not documented for these routes, so both are read (as the model catalog's is).
 */
export function listSchema<T extends z.ZodTypeAny>(item: T) {
  const page = z.object({
    data: z.array(item),
    has_more: z.boolean().optional(),
    next_cursor: z.string().nullable().optional(),
  });
  return z.union([page, z.array(item).transform((data) => ({ data }))]);
}
export interface RivyaList<T> {
  data: T[];
  has_more?: boolean;
  next_cursor?: string | null;
}

export const webhookEndpointListSchema = listSchema(webhookEndpointSchema);
export const webhookDeliveryListSchema = listSchema(webhookDeliverySchema);

/**
 * An item of `GET /api/v1/webhook-events`: the route is named in D8 without its answer, so an item
 * may be an event-type name (`"generation.succeeded"`) or an object (`{ id?, type, … }`); both read
 * as an object with `type`.
 */
export const webhookEventListItemSchema = z.union([
  z.string().transform((type) => ({ id: null, type, description: null, created_at: null })),
  z
    .object({
      id: z.string().nullable().optional(),
      type: z.string().optional(),
      name: z.string().optional(),
      description: z.string().nullable().optional(),
      created_at: z.string().nullable().optional(),
    })
    .transform((e) => ({
      id: e.id ?? null,
      type: e.type ?? e.name ?? e.id ?? '',
      description: e.description ?? null,
      created_at: e.created_at ?? null,
    })),
]);
export type WebhookEventListItem = z.infer<typeof webhookEventListItemSchema>;
export const webhookEventListSchema = listSchema(webhookEventListItemSchema);

/** What the deletion answer may be: nothing (204), the endpoint as it ended, or `{ id, deleted }`. */
export const webhookDeleteAnswerSchema = z.union([
  z.null(),
  webhookEndpointSchema,
  z.object({ id: z.string().optional(), deleted: z.boolean().optional() }),
]);

/**
 * `POST /{id}/test`: not described beyond its path. Read as whatever object it is, with the event
 * id and a delivery when the answer names them.
 */
export const webhookTestAnswerSchema = z
  .union([
    z.null(),
    z.object({
      id: z.string().optional(),
      event_id: z.string().optional(),
      type: z.string().optional(),
      status: z.string().optional(),
      event: z.object({ id: z.string().optional(), type: z.string().optional() }).nullable().optional(),
      delivery: webhookDeliverySchema.nullable().optional(),
    }),
  ])
  .transform((answer) => ({
    event_id: answer?.event_id ?? answer?.event?.id ?? (answer?.id?.startsWith('evt_') ? answer.id : null) ?? null,
    event_type: answer?.type ?? answer?.event?.type ?? null,
    status: answer?.status ?? null,
    delivery: answer?.delivery ?? null,
  }));
export type WebhookTestResult = z.infer<typeof webhookTestAnswerSchema>;

export interface CreateWebhookEndpointParams {
  /** A label for people; Rivya's create takes `{ name, url, event_types }` (D8). */
  name: string;
  url: string;
  event_types: WebhookEventType[];
}

export interface UpdateWebhookEndpointParams {
  name?: string;
  url?: string;
  event_types?: WebhookEventType[];
  /** `disabled` stops deliveries, `active` resumes them. */
  status?: 'active' | 'disabled';
}
