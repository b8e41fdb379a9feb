/**
 * Markdown for the Temporal UI's "current details" (no history cost), rendered from the same
 * `GenerationStatus` the `sora2Status` query returns, so the UI and the query never disagree.
 */
import type { GenerationStatus } from './messages';

export function renderStatusDetails(status: GenerationStatus): string {
  const lines = [
    `**Phase:** ${status.phase}`,
    `**Model:** ${status.model ?? 'unknown'}`,
    status.taskId ? `**Task:** \`${status.taskId}\` — ${status.remoteStatus}` : '**Task:** not created yet',
    `**Status checks:** ${status.polls}`,
  ];
  // Only while a check is scheduled: a stale time would read as "due".
  if (status.nextPollAt !== null) lines.push(`**Next check:** ${status.nextPollAt}`);
  if (status.credits) lines.push(`**Credits:** reserved ${status.credits.reserved}, final ${status.credits.final}`);
  if (status.lastError) lines.push(`**Last error:** ${status.lastError}`);
  return lines.join('\n\n');
}
