/**
 * What the wait for the task's end keeps, and what its two strategies see of it: waiting by the
 * worker's plan (wait-by-plan.ts) and the legacy durable-timer loop (wait-by-timer.ts). The loop
 * that picks between them is wait.ts. Workflow-safe, no I/O.
 */
import type { TaskSnapshot, WaitPlan } from '../common/activity-contract';
import type { PollingOptions, Sora2GenerationRequest } from './input';
import type { Sora2CarriedState } from './state';
import type { WebhookInboxState } from './webhook-inbox';

/** Thrown inside the run when the deadline passes; the run turns it into GenerationTimedOut. */
export class DeadlineReached extends Error {}

/**
 * What an operator asked of the wait in progress: nothing; end it so the next one is planned anew
 * (extendDeadline, setPolling); or check the task at once (pollNow). A check outranks a re-plan:
 * the wait after the check is planned anew anyway. Each wait starts by setting it back to 'none'.
 */
export type WakeRequest = 'none' | 'replan' | 'check-now';

/** How the run waits: activity retries (the plan's way, no history per check) or durable timers. */
export type WaitStyle = 'activity-retry' | 'timer';

/** The timer strategy's own state: when its scheduled check is due; null while no timer runs. */
export interface TimerWaitState {
  nextCheckAt: number | null;
}

/** What a strategy is given: the run's facts, the wait's settings in force, and the shared steps. */
export interface WaitContext {
  readonly workflowId: string;
  readonly request: Sora2GenerationRequest;
  readonly state: Sora2CarriedState;
  readonly inbox: WebhookInboxState;
  /** What an operator asked of the wait in progress (set by message-handlers.ts). */
  readonly wake: WakeRequest;
  /** A wait starts: requests made before it are answered by planning it now. */
  clearWake(): void;
  /** Status checks finished in this run (pollNow's Update waits for the next one). */
  checksCompleted: number;
  readonly timer: TimerWaitState;
  /** The input's polling options with an operator's changes (setPolling) applied. */
  readonly polling: PollingOptions;
  readonly webhooks: boolean;
  /** The plan's expectation (learned or input); null: the built-in guess (`expectedMs`). */
  readonly expectation: WaitPlan['expectation'] | null;
  readonly expectedMs: number;
  /** A wake-up that ends a wait early: a webhook event to take, or an operator's request. */
  readonly wokenEarly: boolean;
  publishDetails(): void;
  /** One status read, with the retry budget of a single check (see wait.ts). */
  checkTaskStatus(previous: TaskSnapshot): Promise<TaskSnapshot>;
  /** Search attributes cost a history event each: the status is upserted on transitions only. */
  upsertStatusOnChange(task: TaskSnapshot, previous: TaskSnapshot): void;
}
