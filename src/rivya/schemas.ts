/**
 * Wire shapes of Rivya API v1, validated with zod. Objects are non-strict: Rivya may add optional
 * response fields at any time (D1), and zod drops what we don't know.
 */
import { z } from 'zod';
import { MAX_CLIENT_REQUEST_ID_CHARS } from '../contract/models';
import type { TaskStatus } from '../contract/task-status';

// The task lifecycle lives in task-status.ts; re-exported here, where the wire shapes are read.
export { TASK_STATUSES, TERMINAL_STATUSES, type KnownTaskStatus, type TaskStatus } from '../contract/task-status';

export const taskSchema = z.object({
  id: z.string().min(1),
  // Exactly four statuses are documented; an unknown one is accepted and treated as "still
  // running" (isTerminal says no), so a new status on Rivya's side never fails a poll.
  status: z
    .string()
    .min(1)
    .transform((status): TaskStatus => status),
  model: z.string(),
  reserved_credits: z.number(),
  final_credits: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
  result: z
    .object({ primary_url: z.string(), urls: z.array(z.string()) })
    .nullable()
    .optional()
    .default(null),
  error: z.object({ code: z.string(), message: z.string() }).nullable().optional().default(null),
});
export type GenerationTask = z.infer<typeof taskSchema>;

export const fileSchema = z
  .object({
    id: z.string().min(1).optional(),
    // S5: some deployments may name the id `file_id`.
    file_id: z.string().min(1).optional(),
    kind: z.string(),
    name: z.string().nullable().optional(),
    mime_type: z.string(),
    size_bytes: z.number(),
    url: z.string(),
    duration_token: z.string().nullable().optional(),
    created_at: z.string().optional(),
    expires_at: z.string().nullable().optional(),
  })
  .refine((file) => file.id ?? file.file_id, { message: 'file object has neither id nor file_id' })
  .transform(({ file_id, ...file }) => ({ ...file, id: (file.id ?? file_id)! }));
export type RivyaFile = z.infer<typeof fileSchema>;

export const creditsSchema = z.object({ current_credits: z.number() });
export type Credits = z.infer<typeof creditsSchema>;

export const modelSchema = z.object({ id: z.string() }).passthrough();
// The catalog's envelope is not documented: accept `{ data: [...] }` and a bare array alike.
export const modelListSchema = z.union([z.object({ data: z.array(modelSchema) }), z.array(modelSchema).transform((data) => ({ data }))]);
export type ModelList = z.infer<typeof modelListSchema>;

export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional().default(''), requestId: z.string().optional() }),
});

export const referenceMediaItemSchema = z.object({
  url: z.string().url(),
  kind: z.enum(['image', 'video', 'audio']),
  name: z.string().optional(),
  mimeType: z.string().optional(),
  durationSeconds: z.number().optional(),
  durationToken: z.string().optional(),
});
export type ReferenceMediaItem = z.infer<typeof referenceMediaItemSchema>;

export const createGenerationRequestSchema = z.object({
  model: z.string().min(1),
  prompt: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
  client_request_id: z.string().max(MAX_CLIENT_REQUEST_ID_CHARS).optional(),
});
export type CreateGenerationRequest = z.infer<typeof createGenerationRequestSchema>;
