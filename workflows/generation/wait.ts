/**
 * Waiting for the task to end: told by a signed webhook event, or found by status checks (the
 * safety net), whichever comes first. One loop; each turn takes a pending event, or waits by one of
 * two strategies — the worker's plan (wait-by-plan.ts) or the legacy timer loop (wait-by-timer.ts)
 * — which the run's first wait decides (PATCH_WAIT_PLAN). Operators steer it through wake-ups.
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { isTerminal } from '../../src/contract/task-status';
import type { TaskSnapshot, WaitPlan } from '../common/activity-contract';
import { RIVYA_TASK_STATUS } from '../common/search-attributes';
import { PATCH_WAIT_PLAN } from '../compat';
import { accountArgs } from './account';
import { ACTIVITY_OPTIONS, activitiesWithSummary } from './activity-options';
import { describeError, isTransientActivityFailure } from './failure-classification';
import { rivyaParams, type PollingOptions, type Sora2GenerationRequest } from './input';
import type { CompletionStatus, EffectivePolling } from './messages';
import { expectedDurationMs, OVERDUE_AFTER_FACTOR } from './polling-schedule';
import type { CompletedBy, Sora2CarriedState } from './state';
import { checkByRetries } from './wait-by-plan';
import { checkAfterTimer } from './wait-by-timer';
import { DeadlineReached, type TimerWaitState, type WaitContext, type WaitStyle, type WakeRequest } from './wait-state';
import { emptyInbox, takePendingEvent, type WebhookInboxState } from './webhook-inbox';

/** What the wait needs of its run. */
export interface WaitingRun {
  publishDetails(): void;
  continueAsNew(): Promise<never>;
}

export class GenerationWait implements WaitContext {
  readonly inbox: WebhookInboxState;
  readonly expectedMs: number;
  wake: WakeRequest = 'none';
  checksCompleted = 0;
  readonly timer: TimerWaitState = { nextCheckAt: null };
  completedBy: CompletedBy | null = null;
  /** The plan in force for waiting: decided once per run, at its first wait (see PATCH_WAIT_PLAN). */
  private planInForce: WaitPlan | null | undefined;

  constructor(
    readonly workflowId: string,
    readonly request: Sora2GenerationRequest,
    readonly state: Sora2CarriedState,
    private readonly run: WaitingRun,
  ) {
    // Runs carried over from before webhooks existed have no inbox yet.
    this.inbox = state.inbox ??= emptyInbox();
    this.expectedMs = expectedDurationMs(request.model, rivyaParams(request).n_frames!, request.polling);
  }

  /** pollNow: end the wait in progress and check at once. */
  askForCheck(): void {
    this.wake = 'check-now';
  }

  /** extendDeadline, setPolling: end the wait in progress and plan the next one anew. */
  askForReplan(): void {
    if (this.wake === 'none') this.wake = 'replan';
  }

  clearWake(): void {
    this.wake = 'none';
  }

  get wokenEarly(): boolean {
    return this.wake !== 'none' || this.inbox.pending !== null;
  }

  publishDetails(): void {
    this.run.publishDetails();
  }

  /** Called at the first wait of every run: the only place the patch is asked, so replays ask it at the same point. */
  decidePlan(): void {
    if (this.planInForce !== undefined) return;
    this.planInForce = this.state.plan && patched(PATCH_WAIT_PLAN) ? this.state.plan : null;
  }

  /** The worker's plan, once the run's first wait has decided to follow it; null: the pre-plan behaviour. */
  private get plan(): WaitPlan | null {
    return this.planInForce ?? null;
  }

  get polling(): PollingOptions {
    const overrides = this.state.pollingOverrides;
    if (!overrides) return this.request.polling;
    return {
      ...this.request.polling,
      ...(overrides.minIntervalMs !== undefined ? { minIntervalMs: overrides.minIntervalMs } : {}),
      ...(overrides.maxIntervalMs !== undefined ? { maxIntervalMs: overrides.maxIntervalMs } : {}),
    };
  }

  effectivePolling(): EffectivePolling {
    const { minIntervalMs, maxIntervalMs } = this.polling;
    return { minIntervalMs, maxIntervalMs, webhooks: this.webhooks };
  }

  /** Webhooks on: the input decides, else the worker's default (from the create activity's plan). */
  get webhooks(): boolean {
    return this.state.pollingOverrides?.webhooks ?? this.request.completion.webhooks ?? this.plan?.webhooksByDefault ?? false;
  }

  /**
   * How the run waits. Runs without a plan in force were recorded before the retry form existed:
   * they keep the timer loop, so their histories replay command for command.
   */
  get style(): WaitStyle {
    return this.request.polling.style ?? (this.plan ? 'activity-retry' : 'timer');
  }

  /** The schedule's E: the plan's (learned or input) when there is one, else the built-in guess. */
  get expectation(): WaitPlan['expectation'] | null {
    return this.plan?.expectation ?? null;
  }

  /**
   * Returns the task once it has succeeded or failed — told by a webhook event or found by a status
   * check, whichever comes first; throws DeadlineReached or continues-as-new on the way.
   */
  async untilFinished(): Promise<TaskSnapshot> {
    let task = this.state.task!;
    while (!isTerminal(task.status)) {
      const event = takePendingEvent(this.inbox);
      if (event) {
        task = await this.acceptWebhookEvent(event.task, task);
        continue;
      }
      if (workflowInfo().continueAsNewSuggested) await this.run.continueAsNew();
      task = this.style === 'timer' ? await checkAfterTimer(this, task) : await checkByRetries(this, task);
      if (!isTerminal(task.status) && Date.now() >= this.state.deadlineAtMs) throw new DeadlineReached();
    }
    this.completedBy ??= 'poll';
    return task;
  }

  /** A terminal event carries the task exactly as the status endpoint returns it; confirm by one read if asked. */
  private async acceptWebhookEvent(reported: TaskSnapshot, previous: TaskSnapshot): Promise<TaskSnapshot> {
    const task = this.request.completion.confirmWebhook ? await this.checkTaskStatus(previous) : reported;
    if (!isTerminal(task.status)) return task; // the read disagrees: keep waiting, the next check decides
    this.completedBy = 'webhook';
    this.state.task = task;
    this.upsertStatusOnChange(task, previous);
    return task;
  }

  /** Returns the task as Rivya reports it now, or `previous` when Rivya stayed unreachable (see isTransientActivityFailure). */
  async checkTaskStatus(previous: TaskSnapshot): Promise<TaskSnapshot> {
    const pollNumber = this.state.polls + 1;
    let task: TaskSnapshot;
    try {
      task = await activitiesWithSummary(ACTIVITY_OPTIONS.poll, `status check #${pollNumber}`).rivyaGetGeneration(
        previous.id,
        ...accountArgs(this.request),
      );
    } catch (err) {
      if (!isTransientActivityFailure(err)) throw err;
      this.state.polls = pollNumber;
      this.checksCompleted += 1;
      this.state.lastError = describeError(err);
      return previous;
    }
    this.state.polls = pollNumber;
    this.checksCompleted += 1;
    this.state.lastError = null;
    if (Date.now() - this.state.taskCreatedAtMs! >= this.expectedMs * OVERDUE_AFTER_FACTOR) this.state.overduePolls += 1;
    this.state.task = task;
    this.upsertStatusOnChange(task, previous);
    return task;
  }

  upsertStatusOnChange(task: TaskSnapshot, previous: TaskSnapshot): void {
    if (task.status !== previous.status && this.request.searchAttributes)
      upsertSearchAttributes([{ key: RIVYA_TASK_STATUS, value: task.status }]);
  }

  /** The `completion` part of the sora2Status query. */
  completion(): CompletionStatus {
    const counts = this.inbox.counts;
    return {
      webhooks: this.webhooks,
      style: this.style,
      expectation: this.expectation?.source ?? null,
      expectedDurationMs: this.expectation ? Math.round(this.expectation.expectedMs) : null,
      earliestFinishMs: this.expectation ? Math.round(this.expectation.earliestMs) : null,
      completedBy: this.completedBy,
      webhookEvents: {
        accepted: counts.accepted,
        duplicate: counts.duplicate,
        ignored: counts['other-task'] + counts['not-terminal'] + counts['after-terminal'],
      },
    };
  }
}
