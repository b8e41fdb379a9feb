/** How operators and pipelines talk to a running generation. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CreditReconciliation, TaskSnapshot } from '../common/activity-contract';
import type { ExpectationSource } from './polling-schedule';
import type { ApprovalStatus } from './approval-input';
import type { EtaStatus } from './eta';

export type GenerationPhase =
  | 'validating'
  | 'uploading-reference'
  /** `approval.required`: validated and uploaded, waiting for an approve or reject Update before paying. */
  | 'awaiting-approval'
  | 'creating-task'
  | 'polling'
  | 'saving'
  | 'compensating'
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'cancelled';

export interface GenerationStatus {
  phase: GenerationPhase;
  model: string | null;
  taskId: string | null;
  remoteStatus: string | null;
  polls: number;
  /** ISO time of the next status check while polling. */
  nextPollAt: string | null;
  startedAt: string;
  deadlineAt: string | null;
  credits: { reserved: number; final: number } | null;
  referenceFileId: string | null;
  continuedAsNew: number;
  lastError: string | null;
  reconciliation: CreditReconciliation | null;
  /** How the run learns that the task ended, and (once it has) how it did. */
  completion: CompletionStatus;
  /** The approval gate (approval-input.ts): pending with the price, or the decision; null when the input asks for none. */
  approval?: ApprovalStatus | null;
  /** An estimated finish and progress from learned durations (eta.ts); Rivya itself reports no progress. */
  eta?: EtaStatus;
}

export interface CompletionStatus {
  /** Signed webhooks first, status checks as a safety net. */
  webhooks: boolean;
  /** How the run waits between checks: activity retries (no history per check) or durable timers. */
  style: 'activity-retry' | 'timer';
  /** Where the schedule's expectation came from (null before the task exists, or in older runs). */
  expectation: ExpectationSource | null;
  /**
   * The expectation in force when the task was created: the expected duration and where dense
   * checks start (ms after create). The retry form re-reads the worker's estimate at each check;
   * its latest shows in the status activity's last failure. Null as `expectation`.
   */
  expectedDurationMs?: number | null;
  earliestFinishMs?: number | null;
  completedBy: 'webhook' | 'poll' | null;
  /** Webhook events received, by what the run did with them. */
  webhookEvents: { accepted: number; duplicate: number; ignored: number };
}

/** Live status: phase, task, polls, next check, credits. Costs no history events. */
export const sora2StatusQuery = defineQuery<GenerationStatus>('sora2Status');

/** Check the task now instead of at the next scheduled poll (e.g. on a webhook, or from the UI). */
export const sora2PollNowSignal = defineSignal('sora2PollNow');

/** The Rivya webhook event types that end a task (D8). */
export const WEBHOOK_EVENT_TYPES = ['generation.succeeded', 'generation.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * A verified Rivya webhook event, as the receiver hands it to the workflow that owns the task.
 * Only what the workflow needs: the event's id (at-least-once delivery: dedupe by it), its type,
 * when Rivya created it, and the task exactly as the status endpoint would have returned it.
 */
export interface WebhookEventSignal {
  eventId: string;
  type: WebhookEventType;
  /** ISO time Rivya created the event (the envelope's `created_at`). */
  createdAt: string;
  task: TaskSnapshot;
}

/** A signed webhook event, verified and routed by the receiver (src/webhooks). */
export const sora2WebhookEventSignal = defineSignal<[WebhookEventSignal]>('sora2WebhookEvent');

/**
 * Operator Updates: validated before anything is written (a rejected value costs no history),
 * and each returns what it changed. Names differ from the signal's so the UI lists both clearly.
 */

/** Move the deadline later: by a duration, or to a time. Never earlier; at most 7 days after the start. */
export interface ExtendDeadlineRequest {
  /** Milliseconds to add to the current deadline. */
  byMs?: number;
  /** ISO time of the new deadline. */
  until?: string;
}

export interface ExtendDeadlineResult {
  previousDeadlineAt: string;
  deadlineAt: string;
}

export const sora2ExtendDeadlineUpdate = defineUpdate<ExtendDeadlineResult, [ExtendDeadlineRequest]>('sora2ExtendDeadline');

/** Check the task now and return the status that check produced (the `sora2PollNow` signal, with an answer). */
export const sora2PollNowUpdate = defineUpdate<GenerationStatus, []>('sora2CheckNow');

/**
 * Tune the checks of a running generation within the input's bounds: the spacing of status
 * checks, and whether webhooks lead (checks then a sparse safety net) or checks alone decide.
 */
export interface SetPollingRequest {
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** false: stop waiting for webhooks and check on the dense schedule (e.g. the receiver is down). */
  webhooks?: boolean;
}

export interface EffectivePolling {
  minIntervalMs: number;
  maxIntervalMs: number;
  webhooks: boolean;
}

export const sora2SetPollingUpdate = defineUpdate<EffectivePolling, [SetPollingRequest]>('sora2SetPolling');
