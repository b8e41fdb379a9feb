/** Waits for a generation's result while rendering its live status. */
import type { WorkflowHandle } from '@temporalio/client';
import { sora2StatusQuery } from '../../workflows/generation/messages';
import type { Sora2GenerationResult } from '../../workflows/generation/sora2-generation';
import { followUntilSettled } from './follow';
import { activityRetriesOf, progressWriter, type ActivityRetry } from './progress';
import { lastKnownStatus } from './webhook-wait';

const STATUS_EVERY_MS = 1_000;

/** Pending retries from the server; none when describe fails (the next tick tells). */
export async function retriesOf(handle: WorkflowHandle): Promise<ActivityRetry[]> {
  try {
    return activityRetriesOf(await handle.describe());
  } catch {
    return [];
  }
}

export async function waitWithProgress(handle: WorkflowHandle, showProgress: boolean): Promise<Sora2GenerationResult> {
  const result = handle.result() as Promise<Sora2GenerationResult>;
  if (!showProgress) return result;
  const writer = progressWriter();
  const started = Date.now();
  // While a webhook is awaited, the remote status is the last one known, not the current one.
  const shown = lastKnownStatus();
  try {
    return await followUntilSettled(
      result,
      async () => {
        try {
          const [status, retries] = await Promise.all([handle.query(sora2StatusQuery), retriesOf(handle)]);
          writer.update(shown(status), Date.now() - started, retries);
        } catch {
          // No worker has picked it up yet, or it just closed: the next tick tells.
        }
      },
      STATUS_EVERY_MS,
    );
  } finally {
    writer.done();
  }
}
