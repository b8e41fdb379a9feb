// examples/activities.ts — your pipeline's own undo step, named in the backend's `compensations`.
import type { CompensationContext } from 'rivya-sora2-temporal';

/** Runs when the generation fails, times out or is cancelled: `context` first, then the `args` given at start. */
export async function releaseQuota(context: CompensationContext, quotaId: string): Promise<void> {
  // Release the user's reservation in your own system here; it must be safe to run twice (it is retried).
  console.log(`releaseQuota: released ${quotaId} for ${context.workflowId} (${context.reason}, task ${context.taskId ?? 'none'})`);
}
