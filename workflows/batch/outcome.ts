/**
 * How a child generation ended, told the same way whether the batch awaited the child itself or
 * (for a child started by an earlier run, or by an earlier batch under the same id) an activity
 * read it from Temporal — and the bounded outcome record the batch keeps of it. Workflow-safe.
 */
import { BATCH_LIMITS } from './input';
import { shortText, type BatchItemOutcome } from './state';
import { FailureTypes } from '../common/failures';
import type { Sora2GenerationResult } from '../generation/state';

/** A child's end, reduced to what the batch needs. `credits: null` = not known (counted at full price). */
export type ChildConclusion =
  | { kind: 'succeeded'; taskId: string; credits: number; location: string | null }
  | { kind: 'failed'; type: string; message: string; taskId: string | null; credits: number | null; cancelled: boolean };

/** The failure type recorded when a child ended without a typed failure (terminated, timed out by Temporal). */
export const CHILD_ENDED_OTHERWISE = 'ChildEndedOtherwise';

export function conclusionOfResult(
  result: Pick<Sora2GenerationResult, 'taskId' | 'credits'> & { saved?: { location: string } | null },
): ChildConclusion {
  return { kind: 'succeeded', taskId: result.taskId, credits: result.credits.final, location: result.saved?.location ?? null };
}

interface FailureFacts {
  taskId?: unknown;
  credits?: { finalCredits?: unknown; reservedCredits?: unknown; refunded?: unknown } | null;
}

/**
 * A typed generation failure (GenerationFailureDetails, or ResultNotSaved's details). Its credits:
 * nothing when no task was created; the reconciliation when there is one (a refunded task costs 0,
 * one still pending its full reservation); unknown otherwise (e.g. ResultNotSaved: paid, not saved).
 */
export function conclusionOfFailure(type: string, message: string, details: unknown): ChildConclusion {
  const facts = (details && typeof details === 'object' ? details : {}) as FailureFacts;
  const taskId = typeof facts.taskId === 'string' ? facts.taskId : null;
  let credits: number | null = null;
  if (taskId === null) credits = 0;
  else if (facts.credits) {
    const { refunded, finalCredits, reservedCredits } = facts.credits;
    if (refunded === true) credits = 0;
    else if (refunded === false && typeof finalCredits === 'number') credits = finalCredits;
    else if (typeof reservedCredits === 'number') credits = reservedCredits;
  }
  return { kind: 'failed', type, message, taskId, credits, cancelled: type === FailureTypes.GenerationCancelled };
}

/** The record the batch keeps; an unknown cost counts as the item's full price, so the budget never under-counts. */
export function outcomeOf(key: string, conclusion: ChildConclusion, price: number): BatchItemOutcome {
  if (conclusion.kind === 'succeeded') {
    return {
      key,
      status: 'succeeded',
      taskId: shortText(conclusion.taskId, 64),
      credits: conclusion.credits,
      location: conclusion.location === null ? null : shortText(conclusion.location, 2_048),
      error: null,
    };
  }
  return {
    key,
    status: conclusion.cancelled ? 'cancelled' : 'failed',
    taskId: conclusion.taskId === null ? null : shortText(conclusion.taskId, 64),
    credits: conclusion.credits ?? price,
    location: null,
    error: { type: shortText(conclusion.type, 64), message: shortText(conclusion.message, BATCH_LIMITS.maxOutcomeMessageChars) },
  };
}

/** An item the batch never started: nothing created, nothing paid. */
export function skippedOutcome(key: string, type: string, message: string): BatchItemOutcome {
  return { key, status: 'skipped', taskId: null, credits: 0, location: null, error: { type, message } };
}
