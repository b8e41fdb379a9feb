/**
 * The generation's outputs as zod: the result of a succeeded run and the details[0] of each typed
 * failure. They are the source of the published JSON Schema (`schema/`, `npm run schema:update`)
 * that callers in other languages read; the interfaces in state.ts and failures.ts stay the types
 * the code uses, and the checks at the bottom fail `tsc` when the two disagree.
 *
 * Outputs are open: the generator publishes these (zod's default, unknown keys stripped) with
 * `additionalProperties: true`, because a later minor version may add a field and a reader must
 * ignore what it does not know. Workflow-safe: pure zod.
 */
import { z } from 'zod';
import { SORA_MODELS } from '../../src/contract/models';
import type { TaskStatus } from '../../src/contract/task-status';
import type { AssertTrue, SameType } from '../common/contract-types';
import type { GenerationFailureDetails } from '../common/failures';
import type { Sora2GenerationResult } from './state';

/** A task status as read from the wire: typed as the code's TaskStatus, published as a string. */
const taskStatusSchema: z.ZodType<TaskStatus, z.ZodStringDef, string> = z
  .string()
  .describe('queued | processing | succeeded | failed, or a newer status (treated as running)');

const isoTime = z.string().describe('ISO 8601 timestamp (UTC)');

export const uploadedReferenceSchema = z
  .object({
    fileId: z.string(),
    url: z.string(),
    mimeType: z.string(),
    sizeBytes: z.number(),
    name: z.string().nullable(),
    expiresAt: z.string().nullable(),
  })
  .describe('The reference image as uploaded to Rivya');

export const savedVideoSchema = z.object({
  location: z.string().describe('`s3://bucket/key`, or the file path on the worker'),
  bytes: z.number(),
  contentType: z.string().describe('From the bytes\u2019 signature: video/mp4 or video/quicktime'),
  sha256: z.string().describe('Hex SHA-256 of the saved bytes'),
});

export const sora2GenerationResultSchema = z
  .object({
    workflowId: z.string(),
    status: z.literal('succeeded'),
    taskId: z.string().describe('The Rivya task id'),
    model: z.enum(SORA_MODELS),
    videoUrl: z.string().describe('The first video URL (Rivya\u2019s media URLs expire; save it or use `saved`)'),
    videoUrls: z.array(z.string()),
    credits: z.object({ reserved: z.number(), final: z.number() }),
    reference: uploadedReferenceSchema.nullable(),
    polls: z.number().describe('Status checks made over all runs'),
    completedBy: z.enum(['webhook', 'poll']).describe('Whether a signed webhook or a status check told the run that the task succeeded'),
    continuedAsNew: z.number(),
    timings: z.object({
      startedAt: isoTime,
      taskCreatedAt: isoTime,
      completedAt: isoTime,
      totalMs: z.number(),
      sinceTaskCreatedMs: z.number(),
    }),
    rivyaDuration: z
      .object({ nFrames: z.string(), createdAt: z.string(), updatedAt: z.string() })

      .optional()
      .describe('How long the task took on Rivya\u2019s clock, for which n_frames; absent on results of older versions'),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).describe('The input\u2019s metadata, echoed'),
    saved: savedVideoSchema.nullable().describe('Where the video was saved (`save.to`); null when the input asked for no save'),
  })
  .describe('The result of a succeeded sora2Generation');

export const inputIssueSchema = z.object({ path: z.string(), message: z.string() });

/** An approval gate's decision (approval-input.ts `ApprovalDecision`). */
export const approvalDecisionSchema = z.object({
  verdict: z.enum(['approved', 'rejected', 'timed-out']),
  by: z.string().nullable().describe('Who decided; null when the time ran out'),
  reason: z.string().nullable(),
  decidedAt: isoTime,
});

export const creditReconciliationSchema = z.object({
  taskId: z.string(),
  status: taskStatusSchema,
  reservedCredits: z.number(),
  finalCredits: z.number(),
  refunded: z.union([z.boolean(), z.literal('pending')]).describe("Whether the reservation came back; 'pending' while the task runs"),
  source: z.enum(['api', 'last-known']),
});

/** details[0] of ValidationFailed, GenerationRejected, GenerationFailed, GenerationTimedOut, GenerationCancelled, RivyaUnavailable. */
export const generationFailureDetailsSchema = z
  .object({
    reason: z.enum([
      'failed',
      'timed-out',
      'cancelled',
      'rejected',
      'reference-rejected',
      'save-target-rejected',
      'approval-rejected',
      'approval-timed-out',
      'invalid-input',
      'unavailable',
    ]),
    workflowId: z.string(),
    phase: z.string().describe('The phase the run ended in'),
    taskId: z.string().nullable().describe('The Rivya task, when one was created (null: nothing was paid for)'),
    remoteError: z
      .object({ code: z.string(), message: z.string() })

      .nullable()
      .describe('Rivya\u2019s code and message (task-level generation_failed, or an API error code)'),
    credits: creditReconciliationSchema.nullable(),
    compensations: z.array(z.object({ name: z.string(), status: z.enum(['completed', 'failed']), error: z.string().optional() })),
    polls: z.number(),
    issues: z.array(inputIssueSchema).optional().describe('ValidationFailed: every problem with the input'),
    approval: approvalDecisionSchema.optional().describe('ApprovalRejected / ApprovalTimedOut: who decided and why'),
  })
  .describe('details[0] of a sora2Generation ApplicationFailure (every type except ResultNotSaved)');

/** details[0] of ResultNotSaved: the task succeeded and was paid for; the video URL to fetch it by hand. */
export const resultNotSavedDetailsSchema = z
  .object({
    workflowId: z.string(),
    taskId: z.string(),
    videoUrl: z.string(),
    to: z.string().describe('The input\u2019s save.to'),
  })
  .describe('details[0] of a sora2Generation ResultNotSaved failure: paid, but the video was not saved');

// One contract: these fail to compile when a field is added to, removed from or retyped in the
// interface and not here (or the other way round). Fix the schema, then `npm run schema:update`.
export type ResultSchemaMatchesInterface = AssertTrue<SameType<z.output<typeof sora2GenerationResultSchema>, Sora2GenerationResult>>;
export type FailureDetailsSchemaMatchesInterface = AssertTrue<
  SameType<z.output<typeof generationFailureDetailsSchema>, GenerationFailureDetails>
>;
