/**
 * A generation completed by webhook keeps the remote status its last status check saw: with
 * webhooks the checks are rare (a safety net), so `queued` stayed on screen until the video came,
 * as if Rivya had not started. While the run waits for the webhook, the status is shown as what it
 * is: the last one known, and since when this CLI has seen it.
 */
import type { GenerationStatus } from '../../workflows/generation/messages';

/** True while the run waits for Rivya's webhook (the remote status is then only the last one known). */
export function awaitsWebhook(status: GenerationStatus): boolean {
  return status.completion?.webhooks === true && status.completion.completedBy === null && status.phase === 'polling';
}

/** "last known queued at 12:41:03Z" (the time this CLI first saw that status). */
export function lastKnownWords(remoteStatus: string, sinceMs: number): string {
  return `last known ${remoteStatus} at ${new Date(sinceMs).toISOString().slice(11, 19)}Z`;
}

/** The sentence `status` prints under a running generation that waits for its webhook. */
export function webhookWaitLine(status: GenerationStatus): string | undefined {
  if (!awaitsWebhook(status) || !status.remoteStatus) return undefined;
  const next = status.nextPollAt ? `; next status check at ${status.nextPollAt.slice(11, 19)}Z` : '';
  return `waiting for Rivya's webhook; last known status ${status.remoteStatus}${next}`;
}

/**
 * Remembers when each remote status was first seen and rewrites the status the progress line shows:
 * `task_x queued` becomes `task_x last known queued at 12:41:03Z` while the webhook is awaited.
 */
export function lastKnownStatus(now: () => number = Date.now): (status: GenerationStatus) => GenerationStatus {
  let seen: { remoteStatus: string; sinceMs: number } | undefined;
  return (status) => {
    if (!status.remoteStatus) return status;
    if (seen?.remoteStatus !== status.remoteStatus) seen = { remoteStatus: status.remoteStatus, sinceMs: now() };
    if (!awaitsWebhook(status)) return status;
    return { ...status, remoteStatus: lastKnownWords(status.remoteStatus, seen.sinceMs) };
  };
}
