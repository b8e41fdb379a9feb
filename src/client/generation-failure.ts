/**
 * The caller's side of a failed generation. The workflow fails with an ApplicationFailure whose
 * `type` is one of `FailureTypes` and whose details[0] is a `GenerationFailureDetails`; the client
 * receives it wrapped in a WorkflowFailedError. This unwraps it once, for every caller.
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { GenerationFailureDetails } from '../../workflows/common/failures';

export interface GenerationFailure {
  /** A `FailureTypes` value, or the failure's name when the run ended otherwise (e.g. TerminatedFailure). */
  type: string;
  message: string;
  /** Present when the workflow itself failed the run (every `FailureTypes` outcome). */
  details: GenerationFailureDetails | undefined;
}

/** The typed failure inside a `handle.result()` rejection; undefined when `err` is not a failed workflow. */
export function generationFailureOf(err: unknown): GenerationFailure | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    return {
      type: cause.type ?? 'ApplicationFailure',
      message: cause.message,
      details: cause.details?.[0] as GenerationFailureDetails | undefined,
    };
  }
  return { type: cause?.name ?? 'WorkflowFailed', message: cause?.message ?? err.message, details: undefined };
}
