import type { GenerationTask } from '../src/rivya';
import type { TaskSnapshot } from '../workflows/common/activity-contract';

/** The small, secret-free slice of a task that goes into workflow history. */
export function toTaskSnapshot(task: GenerationTask): TaskSnapshot {
  const urls = task.result ? [task.result.primary_url, ...task.result.urls.filter((url) => url !== task.result!.primary_url)] : [];
  return {
    id: task.id,
    status: task.status,
    reservedCredits: task.reserved_credits,
    finalCredits: task.final_credits,
    createdAt: task.created_at,
    updatedAt: task.updated_at,
    videoUrls: urls,
    error: task.error ?? null,
  };
}
