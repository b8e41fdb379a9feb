/**
 * Markdown for the batch's "current details" in the Temporal UI (no history cost), rendered from
 * the same BatchStatus the `sora2BatchStatus` query returns, so the two never disagree.
 */
import type { BatchStatus } from './state';

export function renderBatchDetails(status: BatchStatus): string {
  const { counts, credits } = status;
  const done = counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
  const lines = [
    `**Phase:** ${status.phase}`,
    `**Items:** ${done}/${counts.total} done — ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.skipped} skipped; ${counts.running} running, ${counts.queued} queued`,
    `**Credits:** ${credits.spent} spent, ${credits.reserved} reserved by running items; budget ${credits.budget ?? 'none'} (wallet at start ${credits.walletAtStart ?? 'unknown'})`,
    `**Concurrency:** ${status.concurrency}; on failure: ${status.onFailure}`,
  ];
  if (status.stop)
    lines.push(
      `**Stopped:** ${status.stop.reason === 'operator' ? 'by an operator' : `item ${status.stop.key} failed`}; running items ${status.stop.cancelRunning ? 'cancelled' : 'finish'}`,
    );
  if (status.runningKeys.length > 0)
    lines.push(
      `**Running:** ${status.runningKeys.map((key) => `\`${key}\``).join(', ')}${counts.running > status.runningKeys.length ? ', …' : ''}`,
    );
  if (status.continuedAsNew > 0) lines.push(`**Continued as new:** ${status.continuedAsNew} time(s)`);
  return lines.join('\n\n');
}
