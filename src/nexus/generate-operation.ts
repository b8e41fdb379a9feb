/**
 * The `generate` operation: a Nexus operation backed by a `sora2Generation` run in this worker's
 * namespace. The input is checked before anything starts (a bad input is a non-retryable
 * BAD_REQUEST, nothing paid); the workflow id comes from the caller's key (./workflow-id.ts), and
 * the start carries the Nexus request id, so a retried start attaches to the run it already made.
 * Cancelling the operation cancels the run (WorkflowRunOperationHandler's default), which
 * compensates and fails with GenerationCancelled exactly as when it is cancelled directly.
 */
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { getClient, startWorkflow, WorkflowRunOperationHandler } from '@temporalio/nexus';
import { HandlerError } from 'nexus-rpc';
import type { InputIssue } from '../../workflows/generation/input';
import { describeIssues } from '../../workflows/generation/input';
import {
  checkSora2NexusInput,
  NexusFailureTypes,
  SORA2_NEXUS_SERVICE_NAME,
  type Sora2NexusGenerateInput,
} from '../../workflows/common/nexus-service';
import { RIVYA_MODEL } from '../../workflows/common/search-attributes';
import type { Sora2GenerationResult, sora2Generation } from '../../workflows/generation/sora2-generation';
import { SORA2_INPUT_HASH_MEMO_KEY, SORA2_WORKFLOW_TYPE, sora2InputHash, summaryOf } from '../client/helpers';
import { parseSaveTarget } from '../contract/save-target';
import { nexusGenerationWorkflowId } from './workflow-id';
import type { Sora2NexusOptions } from './options';

export type { Sora2NexusOptions } from './options';

/** Checked when the handler is built: a bad target fails the worker's start, not a paid generation. */
function configuredSave(saveTo: string | undefined): { to: string } | undefined {
  if (saveTo === undefined) return undefined;
  const parsed = parseSaveTarget(saveTo);
  if (!parsed.ok) throw new TypeError(`Sora2NexusOptions.saveTo: ${parsed.message}`);
  return { to: saveTo };
}

export type GenerateOperationHandler = WorkflowRunOperationHandler<Sora2NexusGenerateInput, Sora2GenerationResult>;

export function createGenerateOperationHandler(options: Sora2NexusOptions = {}): GenerateOperationHandler {
  const save = configuredSave(options.saveTo);
  return new WorkflowRunOperationHandler<Sora2NexusGenerateInput, Sora2GenerationResult>(async (ctx, input) => {
    const checked = checkSora2NexusInput(input);
    if (!checked.ok) throw validationError(checked.issues);
    const { generation, generationId } = checked;
    const workflowId = nexusGenerationWorkflowId(generationId === undefined ? { requestId: ctx.requestId } : { generationId });
    const inputHash = sora2InputHash(generation);
    // Only a caller's own key can name a run of other input (a request id is one call's): check
    // before attaching to it, so a refused call leaves no callback on someone else's generation.
    if (generationId !== undefined) await refuseOtherInput(workflowId, inputHash, generationId);
    try {
      const handle = await startWorkflow<typeof sora2Generation>(ctx, SORA2_WORKFLOW_TYPE, {
        // The configured target is added here, after the check refused any of the caller's. The
        // input hash stays over what the caller sent: it is what a generationId stands for.
        args: [save ? { ...input.generation, save } : input.generation],
        workflowId,
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
        staticSummary: summaryOf(input.generation),
        staticDetails: `**Started over Nexus:** service ${SORA2_NEXUS_SERVICE_NAME}, request id ${ctx.requestId}`,
        memo: { [SORA2_INPUT_HASH_MEMO_KEY]: inputHash },
        ...(generation.searchAttributes ? { typedSearchAttributes: [{ key: RIVYA_MODEL, value: generation.model }] } : {}),
        // As startSora2Generation: the id is Rivya's Idempotency-Key, never a second run under it;
        // a start of the same id while it runs attaches (the SDK adds this call's callback to it).
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      // Two calls racing with one generationId and different input: the loser finds out here.
      if (generationId !== undefined) await refuseOtherInput(workflowId, inputHash, generationId);
      return handle;
    } catch (err) {
      // A retried start (same request id) is answered by the server with the run it made, even a
      // closed one; this is a different call reusing the key of a generation that already ended.
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw conflictError(`generationId ${JSON.stringify(generationId)} belongs to a generation that has already ended (${workflowId})`);
      }
      throw err;
    }
  });
}

async function refuseOtherInput(workflowId: string, inputHash: string, generationId: string): Promise<void> {
  let existingHash: unknown;
  try {
    existingHash = (await getClient().workflow.getHandle(workflowId).describe()).memo?.[SORA2_INPUT_HASH_MEMO_KEY];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
  if (existingHash !== inputHash) {
    throw conflictError(
      `generationId ${JSON.stringify(generationId)} is already used by a generation with different input (${workflowId})`,
    );
  }
}

/** BAD_REQUEST is not retried: the caller's operation fails at once, with the issues to fix. */
function validationError(issues: InputIssue[]): HandlerError {
  const message = `invalid generation input: ${describeIssues(issues)}`;
  return new HandlerError('BAD_REQUEST', message, {
    cause: ApplicationFailure.create({ type: NexusFailureTypes.ValidationFailed, message, nonRetryable: true, details: [{ issues }] }),
  });
}

/**
 * BAD_REQUEST, not CONFLICT: a Temporal server before 1.30 does not know CONFLICT and turns it into a
 * retryable INTERNAL error, retried until the caller's timeout. The typed cause tells the two apart.
 */
function conflictError(message: string): HandlerError {
  return new HandlerError('BAD_REQUEST', message, {
    cause: ApplicationFailure.create({ type: NexusFailureTypes.GenerationIdConflict, message, nonRetryable: true }),
  });
}
