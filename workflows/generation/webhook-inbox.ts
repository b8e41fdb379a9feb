/**
 * Webhook events as the workflow takes them. Rivya delivers at least once and in any order (S10),
 * so the same event can arrive twice, after the task already ended, or for a task this run does
 * not own (a receiver bug, an operator's hand-sent signal). The inbox keeps the first terminal
 * event for our task and counts everything else. Pure and workflow-safe; its memory travels in
 * the carried state across continue-as-new.
 */
import { isTerminal } from '../../src/contract/task-status';
import type { WebhookEventSignal } from './messages';

/** Event ids remembered for deduplication: enough for every redelivery of a task's one event. */
export const REMEMBERED_EVENT_IDS = 32;

export type WebhookEventOutcome = 'accepted' | 'duplicate' | 'other-task' | 'not-terminal' | 'after-terminal';

export interface WebhookInboxState {
  /** Ids of the accepted events, newest last (bounded). */
  seenEventIds: string[];
  /** The accepted terminal event, until the run takes it. */
  pending: WebhookEventSignal | null;
  counts: Record<WebhookEventOutcome, number>;
}

export function emptyInbox(): WebhookInboxState {
  return {
    seenEventIds: [],
    pending: null,
    counts: { accepted: 0, duplicate: 0, 'other-task': 0, 'not-terminal': 0, 'after-terminal': 0 },
  };
}

/**
 * Files one event. `taskId` is ours (null before the task exists: an event then cannot be for
 * us — the receiver routes by the task id the run has published); `ended` says whether the run
 * already knows the task is terminal.
 */
export function offerWebhookEvent(
  inbox: WebhookInboxState,
  event: WebhookEventSignal,
  taskId: string | null,
  ended: boolean,
): WebhookEventOutcome {
  const outcome = classify(inbox, event, taskId, ended);
  inbox.counts[outcome] += 1;
  // Only an accepted event's id is remembered: a refused copy carrying a genuine id (tampered,
  // stale) must not make the genuine event look like its duplicate later.
  if (outcome !== 'accepted') return outcome;
  inbox.seenEventIds.push(event.eventId);
  if (inbox.seenEventIds.length > REMEMBERED_EVENT_IDS) inbox.seenEventIds.shift();
  inbox.pending = event;
  return outcome;
}

function classify(inbox: WebhookInboxState, event: WebhookEventSignal, taskId: string | null, ended: boolean): WebhookEventOutcome {
  if (inbox.seenEventIds.includes(event.eventId)) return 'duplicate';
  if (taskId === null || event.task?.id !== taskId) return 'other-task';
  // The type must agree with the snapshot: `generation.succeeded` carrying `processing` is stale or forged.
  if (!isTerminal(event.task.status) || event.type !== `generation.${event.task.status}`) return 'not-terminal';
  if (ended || inbox.pending !== null || inbox.counts.accepted > 0) return 'after-terminal';
  return 'accepted';
}

/** Takes the accepted event, once. */
export function takePendingEvent(inbox: WebhookInboxState): WebhookEventSignal | null {
  const event = inbox.pending;
  inbox.pending = null;
  return event;
}
