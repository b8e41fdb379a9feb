/**
 * The batch's outputs as zod: the result of sora2Batch and the details[0] of its typed failures.
 * The source of the published JSON Schema (`schema/`, `npm run schema:update`); the interfaces in
 * state.ts and failures.ts stay the types the code uses, and the checks at the bottom fail `tsc`
 * when the two disagree. Open to added fields, like the generation's outputs. Workflow-safe: pure zod.
 */
import { z } from 'zod';
import type { AssertTrue, SameType } from '../common/contract-types';
import type { BatchFailureDetails } from './failures';
import type { Sora2BatchResult } from './state';
import { approvalDecisionSchema, inputIssueSchema } from '../generation/result-schema';

const countsSchema = z.object({
  total: z.number(),
  queued: z.number(),
  running: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  skipped: z.number(),
});

const creditsSchema = z.object({
  budget: z.number().nullable().describe('The cap: min(budget, wallet at start); null when neither is known'),
  walletAtStart: z.number().nullable(),
  spent: z.number().describe('Sum of the final credits of finished items (refunds already deducted)'),
});

export const batchItemOutcomeSchema = z
  .object({
    key: z.string(),
    status: z.enum(['succeeded', 'failed', 'cancelled', 'skipped']),
    taskId: z.string().nullable().describe('The Rivya task, when one was created'),
    credits: z.number().describe('What this item cost: its final credits, 0 when refunded or never created'),
    location: z.string().nullable().describe('Where its video was saved, when the batch saves'),
    error: z
      .object({ type: z.string(), message: z.string() })
      .nullable()
      .describe('The child\u2019s failure type (or the batch\u2019s reason) and a short message'),
  })
  .describe('One item\u2019s outcome (the child\u2019s own history has the rest)');

export const sora2BatchResultSchema = z
  .object({
    batchId: z.string(),
    counts: countsSchema,
    credits: creditsSchema,
    stop: z
      .object({ reason: z.enum(['item-failed', 'operator']), key: z.string().nullable(), cancelRunning: z.boolean() })
      .nullable()
      .describe('Why the batch stopped starting items (null: it did not)'),
    continuedAsNew: z.number(),
    timings: z.object({ startedAt: z.string(), completedAt: z.string(), totalMs: z.number() }),
    items: z.array(batchItemOutcomeSchema).describe('Every item, in the order it finished'),
  })
  .describe('The result of a sora2Batch');

/** details[0] of BatchInvalid, BudgetExceeded, WalletUnavailable and BatchCancelled. */
export const batchFailureDetailsSchema = z
  .object({
    batchId: z.string(),
    required: z.number().optional().describe('BudgetExceeded: the summed price of the items'),
    budget: z.number().nullable().optional().describe('BudgetExceeded: the budget given in the input'),
    wallet: z.number().nullable().optional().describe('BudgetExceeded: the wallet as read at the start'),
    issues: z.array(inputIssueSchema).optional().describe('BatchInvalid: every problem with the input'),
    counts: z.record(z.string(), z.number()).optional().describe('BatchCancelled: items by outcome so far'),
    spent: z.number().optional().describe('BatchCancelled: credits the finished items cost'),
    approval: approvalDecisionSchema.optional().describe('ApprovalRejected / ApprovalTimedOut: who decided and why'),
  })
  .describe('details[0] of a sora2Batch ApplicationFailure');

// One contract: these fail to compile when the interface and the schema disagree on a field.
// Fix the schema, then `npm run schema:update`.
export type BatchResultSchemaMatchesInterface = AssertTrue<SameType<z.output<typeof sora2BatchResultSchema>, Sora2BatchResult>>;
export type BatchFailureDetailsSchemaMatchesInterface = AssertTrue<
  SameType<z.output<typeof batchFailureDetailsSchema>, BatchFailureDetails>
>;
