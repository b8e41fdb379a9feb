/**
 * Activities 2 and 3 plus the built-in compensation: the paid create (alone in its activity,
 * idempotent by the workflow id), one status read, and the credit reconciliation.
 */
import { Context } from '@temporalio/activity';
import type { RivyaClient } from '../src/rivya';
import type {
  CreateGenerationInput,
  CreateGenerationOutput,
  CreditReconciliation,
  TaskSnapshot,
} from '../workflows/activity-contract';
import { callRivya } from './rivya-failure';
import { toTaskSnapshot } from './task-snapshot';

export function makeGenerationActivities(client: RivyaClient) {
  async function rivyaCreateGeneration(input: CreateGenerationInput): Promise<CreateGenerationOutput> {
    const params: Record<string, unknown> = { ...input.params };
    if (input.reference) {
      params.referenceMediaItems = [
        { url: input.reference.url, kind: 'image', mimeType: input.reference.mimeType, ...(input.reference.name ? { name: input.reference.name } : {}) },
      ];
    }
    // The same key on every attempt: a retry after a lost response gets the original task back.
    const { task, replayed } = await callRivya(() =>
      client.createGeneration(
        { model: input.model, prompt: input.prompt, params, client_request_id: input.idempotencyKey.slice(0, 128) },
        { idempotencyKey: input.idempotencyKey, signal: Context.current().cancellationSignal },
      ),
    );
    Context.current().log.info('generation task created', { taskId: task.id, replayed, reservedCredits: task.reserved_credits });
    return { task: toTaskSnapshot(task), replayed };
  }

  async function rivyaGetGeneration(taskId: string): Promise<TaskSnapshot> {
    const task = await callRivya(() => client.getGeneration(taskId, { signal: Context.current().cancellationSignal }));
    return toTaskSnapshot(task);
  }

  async function rivyaReconcileCredits(taskId: string): Promise<CreditReconciliation> {
    const task = await callRivya(() => client.getGeneration(taskId, { signal: Context.current().cancellationSignal }));
    // S6: a failed task is refunded in full when it turns failed; a succeeded one is charged.
    const refunded = task.status === 'failed' ? task.final_credits === 0 : task.status === 'succeeded' ? false : 'pending';
    return {
      taskId,
      status: task.status,
      reservedCredits: task.reserved_credits,
      finalCredits: task.final_credits,
      refunded,
      source: 'api',
    };
  }

  return { rivyaCreateGeneration, rivyaGetGeneration, rivyaReconcileCredits };
}
