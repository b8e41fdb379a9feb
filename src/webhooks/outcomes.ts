/**
 * Every delivery ends in exactly one outcome, and each outcome has one HTTP answer. The status is
 * what Rivya acts on (S10): any 2xx ends redelivery; anything else is retried with growing delays.
 * So 2xx means "nothing more can come of this event here", non-2xx means "send it again later".
 */

export const WEBHOOK_OUTCOMES = [
  /** Verified and handed to the running workflow that owns the task. */
  'signalled',
  /** The owning workflow has already closed: nothing to tell it. */
  'closed',
  /** A copy of an event this process already delivered (a replay, or a redelivery after a lost 200): not signalled again. */
  'duplicate',
  /** No workflow has this task id, and the task is too old for that to be a visibility lag: not ours. */
  'unknown-task',
  /** No workflow has this task id yet, but the task is fresh: its workflow may not be visible yet. */
  'not-yet-visible',
  /** A verified event of a type this receiver does not route (e.g. `webhook.test`). */
  'ignored-event-type',
  'bad-signature',
  'stale-timestamp',
  'too-large',
  'wrong-content-type',
  'malformed',
  /** Temporal did not answer (down, unreachable, slow): Rivya should redeliver. */
  'temporal-unavailable',
  'method-not-allowed',
  /** A bug or a misconfigured framework (e.g. a body parser that consumed the raw bytes). */
  'internal-error',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export const OUTCOME_STATUS: Readonly<Record<WebhookOutcome, number>> = {
  signalled: 200,
  closed: 200,
  duplicate: 200,
  'unknown-task': 200,
  'ignored-event-type': 200,
  // 409, not 503: "our state is not ready for this yet" — and a proxy's access log tells it apart
  // from Temporal being down at a glance.
  'not-yet-visible': 409,
  'bad-signature': 401,
  'stale-timestamp': 401,
  'too-large': 413,
  'wrong-content-type': 415,
  malformed: 400,
  'temporal-unavailable': 503,
  'method-not-allowed': 405,
  'internal-error': 500,
};

/** What one delivery was about, as far as the receiver got. Never a secret, a signature or a body. */
export interface OutcomeDetails {
  status: number;
  /** The event id; from the `webhook-id` header (unverified) when the delivery was refused before parsing. */
  eventId?: string;
  eventType?: string;
  taskId?: string;
  /** The workflow(s) signalled, or found closed. */
  workflowIds?: string[];
  /** Why, in a few words (which header, which field, which Temporal error code). */
  reason?: string;
  durationMs: number;
}

export interface WebhookStats {
  /** Deliveries answered, all outcomes. */
  total: number;
  byOutcome: Record<WebhookOutcome, number>;
  /** taskId → workflowId cache. */
  routeCache: { size: number; hits: number; misses: number };
  /** Delivered event ids remembered against replays (delivery-memory.ts). */
  deliveryMemory: { size: number };
}

export class OutcomeCounter {
  #counts = Object.fromEntries(WEBHOOK_OUTCOMES.map((outcome) => [outcome, 0])) as Record<WebhookOutcome, number>;

  add(outcome: WebhookOutcome): void {
    this.#counts[outcome] += 1;
  }

  snapshot(): { total: number; byOutcome: Record<WebhookOutcome, number> } {
    const byOutcome = { ...this.#counts };
    return { total: Object.values(byOutcome).reduce((sum, n) => sum + n, 0), byOutcome };
  }
}
