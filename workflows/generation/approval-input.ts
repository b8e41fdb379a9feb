/**
 * The `approval` input option and the rules of an approve/reject decision: pure data and zod, so
 * the input schema, the workflow's Update validators, the client helpers and the CLI share one
 * rule. Workflow-safe.
 *
 *   approval: { required: true, timeoutMs: 3_600_000 }
 *
 * makes the run validate, check the save target and upload the reference, then wait (durably) for
 * an `approve` or `reject` Update before the paid create. Durations are milliseconds, like every
 * other duration of the input.
 */
import { z } from 'zod';

export const APPROVAL_LIMITS = {
  /** Without `timeoutMs` a request waits a day for a decision, then ends ApprovalTimedOut. */
  defaultTimeoutMs: 24 * 60 * 60_000,
  /** The same ceiling as the run's deadline: a week. */
  maxTimeoutMs: 7 * 24 * 60 * 60_000,
  /** Who decided: a name or an email, never a document. */
  maxByChars: 200,
  /** Why: a sentence or two; it lands in history and in the failure's details. */
  maxReasonChars: 1_000,
} as const;

export const approvalOptionsSchema = z
  .object({
    /** true: nothing is paid before someone approves. false behaves as if the option were absent. */
    required: z.boolean(),
    /** How long to wait for a decision once the run reaches the gate; then it ends ApprovalTimedOut, nothing paid. */
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(APPROVAL_LIMITS.maxTimeoutMs, `must be at most ${APPROVAL_LIMITS.maxTimeoutMs} ms (7 days)`)
      .default(APPROVAL_LIMITS.defaultTimeoutMs),
  })
  .strict();

export type ApprovalOptions = z.output<typeof approvalOptionsSchema>;

/** What an `approve` or `reject` Update carries: who decides, and why (required to reject). */
export interface ApprovalDecisionRequest {
  by: string;
  reason?: string;
}

export type ApprovalVerdict = 'approved' | 'rejected' | 'timed-out';

/** A decision as recorded: in the run's state, its status and (for a refusal) the failure's details. */
export interface ApprovalDecision {
  verdict: ApprovalVerdict;
  /** Who decided; null when the time ran out. */
  by: string | null;
  reason: string | null;
  /** ISO time of the decision (workflow time). */
  decidedAt: string;
}

/** The gate as the status query shows it; null in `GenerationStatus.approval` when the input asks for none. */
export interface ApprovalStatus {
  /** pending: waiting (or not yet at the gate); otherwise the verdict. */
  state: 'pending' | ApprovalVerdict;
  /** What the create will cost (priceOf, the one price table), in credits. */
  priceCredits: number;
  /** When a pending approval times out; null before the run reaches the gate and once decided. */
  timeoutAt: string | null;
  decision: ApprovalDecision | null;
}

/**
 * The request checked field by field; `problem` names the first thing wrong (the validator turns
 * it into a refusal), so a bad request is refused before it costs any history.
 */
export function approvalRequestProblem(request: unknown, verdict: 'approved' | 'rejected'): string | null {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return 'takes an object { by, reason }';
  const unknownKeys = Object.keys(request).filter((key) => key !== 'by' && key !== 'reason');
  if (unknownKeys.length > 0) return `unknown field(s) ${unknownKeys.slice(0, 5).join(', ')}`;
  const { by, reason } = request as Record<string, unknown>;
  if (typeof by !== 'string' || by.trim().length === 0) return 'by (who decides) is required';
  if (by.length > APPROVAL_LIMITS.maxByChars) return `by must be at most ${APPROVAL_LIMITS.maxByChars} characters`;
  if (reason !== undefined && typeof reason !== 'string') return 'reason must be a string';
  if (typeof reason === 'string' && reason.length > APPROVAL_LIMITS.maxReasonChars)
    return `reason must be at most ${APPROVAL_LIMITS.maxReasonChars} characters`;
  if (verdict === 'rejected' && (typeof reason !== 'string' || reason.trim().length === 0)) return 'a rejection needs a reason';
  return null;
}
