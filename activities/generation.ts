/**
 * Activities 2 and 3 plus the built-in compensation: the paid create (alone in its activity,
 * idempotent by the workflow id), one status read, and the credit reconciliation.
 */
import { Context } from '@temporalio/activity';
import { countCreditsReserved, countStatusCheck } from '../src/observability/activity-metrics';
import { toClientRequestId } from '../src/contract/models';
import { refundState } from '../src/contract/task-status';
import type {
  CreateGenerationInput,
  CreateGenerationOutput,
  CreditReconciliation,
  TaskSnapshot,
} from '../workflows/common/activity-contract';
import { expectationFor } from '../workflows/generation/polling-schedule';
import { CompletionLearner } from './completion-learner';
import { callRivya } from './rivya-failure';
import { clientOfRun, clientsByAccount, type RivyaClientSource } from './run-client';
import { toTaskSnapshot } from './task-snapshot';

/** What the worker decides about waiting, beside the client. */
export interface WaitSettings {
  /** Generations that don't say complete by webhook (with a safety-net poll). */
  webhooksByDefault: boolean;
  learner: CompletionLearner;
  priorScale: number;
}

export function makeGenerationActivities(
  source: RivyaClientSource,
  { webhooksByDefault = false, learner = new CompletionLearner(), priorScale = 1 }: Partial<WaitSettings> = {},
) {
  const clients = clientsByAccount(source);
  async function rivyaCreateGeneration(input: CreateGenerationInput): Promise<CreateGenerationOutput> {
    // Before the paid call: a name without a key fails here, non-retryable, nothing created.
    const client = await clientOfRun(clients, input.account);
    const params: Record<string, unknown> = { ...input.params };
    if (input.reference) {
      params.referenceMediaItems = [
        {
          url: input.reference.url,
          kind: 'image',
          mimeType: input.reference.mimeType,
          ...(input.reference.name ? { name: input.reference.name } : {}),
        },
      ];
    }
    // The same key on every attempt: a retry after a lost response gets the original task back.
    const { task, replayed } = await callRivya(() =>
      client.createGeneration(
        { model: input.model, prompt: input.prompt, params, client_request_id: toClientRequestId(input.idempotencyKey) },
        { idempotencyKey: input.idempotencyKey, signal: Context.current().cancellationSignal },
      ),
    );
    Context.current().log.info('generation task created', { taskId: task.id, replayed, reservedCredits: task.reserved_credits });
    if (!replayed) countCreditsReserved(task.reserved_credits);
    const key = { model: input.model, nFrames: input.params.n_frames ?? '10' };
    learner.noteTask(task.id, key, task.created_at);
    // The expectation as of now goes into history: the workflow's timers are computed from it.
    const expectation = expectationFor(
      input.model,
      key.nFrames,
      { expectedDurationMs: input.expectedDurationMs },
      learner.estimate(key),
      priorScale,
    );
    // A few quantiles for the ETA (history stays small); none without enough finished tasks.
    const durations = learner.quantiles(key);
    return { task: toTaskSnapshot(task), replayed, plan: { webhooksByDefault, expectation, ...(durations ? { durations } : {}) } };
  }

  async function rivyaGetGeneration(taskId: string, account?: string): Promise<TaskSnapshot> {
    const client = await clientOfRun(clients, account);
    const task = toTaskSnapshot(await callRivya(() => client.getGeneration(taskId, { signal: Context.current().cancellationSignal })));
    countStatusCheck();
    learner.observe(task);
    return task;
  }

  async function rivyaReconcileCredits(taskId: string, account?: string): Promise<CreditReconciliation> {
    const client = await clientOfRun(clients, account);
    const task = toTaskSnapshot(await callRivya(() => client.getGeneration(taskId, { signal: Context.current().cancellationSignal })));
    return {
      taskId,
      status: task.status,
      reservedCredits: task.reservedCredits,
      finalCredits: task.finalCredits,
      refunded: refundState(task), // S6: refunded in full when it turns failed, charged when it succeeds
      source: 'api',
    };
  }

  return { rivyaCreateGeneration, rivyaGetGeneration, rivyaReconcileCredits };
}
