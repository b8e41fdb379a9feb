/**
 * The event envelope (D8, S10), read only after its signature verified:
 * `{ id: "evt_…", type, api_version, created_at, data: <the D4 task> }`.
 *
 * Two steps, because Rivya may add event types at any time (D1): the outer shape decides whether
 * this receiver cares at all; only `generation.succeeded` / `generation.failed` must carry a task.
 * Ids are held to strict patterns because they end up in a visibility query, in workflow history
 * and in log lines.
 */
import { z } from 'zod';
import { taskSchema, type GenerationTask } from '../rivya/schemas';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../workflows/generation/messages';

/** `evt_` + letters, digits, `_` or `-`. */
export const EVENT_ID_PATTERN = /^evt_[A-Za-z0-9_-]{1,128}$/;
/**
 * `task_` + letters, digits, `_` or `-`. The id goes into a visibility query as a quoted literal:
 * nothing that could end the quote or escape it ever gets there.
 */
export const TASK_ID_PATTERN = /^task_[A-Za-z0-9_-]{1,128}$/;

const isoTime = z
  .string()
  .max(64)
  .refine((value) => Number.isFinite(Date.parse(value)), 'not an ISO time');

const outerSchema = z.object({
  id: z.string().regex(EVENT_ID_PATTERN, 'not an evt_… id'),
  type: z.string().min(1).max(128),
  api_version: z.string().min(1).max(64),
  created_at: isoTime,
  data: z.unknown(),
});

const generationTaskSchema = taskSchema.extend({
  id: z.string().regex(TASK_ID_PATTERN, 'not a task_… id'),
  created_at: isoTime,
  updated_at: isoTime,
});

export interface GenerationEvent {
  id: string;
  type: WebhookEventType;
  apiVersion: string;
  createdAt: string;
  task: GenerationTask;
}

export type ParsedEnvelope =
  | { kind: 'generation'; event: GenerationEvent }
  /** An event type this receiver does not route (e.g. `webhook.test`): acknowledged, not signalled. */
  | { kind: 'other'; id: string; type: string }
  | { kind: 'malformed'; reason: string };

const isGenerationType = (type: string): type is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);

/** Parses the verified body. Never throws; `reason` names the field, never quotes the body. */
export function parseEnvelope(body: Buffer): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'malformed', reason: 'body is not JSON' };
  }
  const outer = outerSchema.safeParse(json);
  if (!outer.success) return { kind: 'malformed', reason: describe(outer.error) };
  const { id, type, api_version, created_at, data } = outer.data;
  if (!isGenerationType(type)) return { kind: 'other', id, type };
  const task = generationTaskSchema.safeParse(data);
  if (!task.success) return { kind: 'malformed', reason: describe(task.error, 'data') };
  return { kind: 'generation', event: { id, type, apiVersion: api_version, createdAt: created_at, task: task.data } };
}

function describe(error: z.ZodError, prefix?: string): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid envelope';
  const path = [...(prefix ? [prefix] : []), ...issue.path].join('.') || 'envelope';
  return `${path}: ${issue.message}`;
}
