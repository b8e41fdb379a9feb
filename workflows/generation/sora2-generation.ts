/**
 * One Sora 2 generation as a durable workflow:
 *   validate input → upload the reference (optional) → create the task exactly once → wait for it
 *   to end (a signed webhook, or status checks as the safety net) → succeed, or compensate (saga)
 *   and fail with a typed reason.
 * Workflow-safe: all I/O is in activities; time and jitter come from Temporal's deterministic APIs.
 * What a failure means (failure-classification.ts), what the UI shows (status-details.ts) and the
 * state carried across continue-as-new (generation-state.ts) live beside this file.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type UntypedActivities,
} from '@temporalio/workflow';
import { ApplicationFailure, RetryState, TimeoutFailure, type SearchAttributeUpdatePair } from '@temporalio/common';
import { isTerminal } from '../../src/contract/task-status';
import {
  RESULT_NOT_SAVED,
  TASK_NOT_FINISHED_ERROR_TYPE,
  type AwaitGenerationOutput,
  type CompensationContext,
  type CreditReconciliation,
  type FailureReason,
  type SavedVideo,
  type Sora2Activities,
  type TaskSnapshot,
  type WaitPlan,
} from '../common/activity-contract';
import {
  classifyActivityFailure,
  classifyCancellation,
  classifyDeadline,
  classifyTaskFailure,
  describeError,
  endStateOf,
  isTransientActivityFailure,
  statusBeforeTaskOf,
  type ClassifiedFailure,
} from './failure-classification';
import { generationFailure, FailureTypes, type CompensationOutcome, type FailureType } from '../common/failures';
import { initialState, successResultOf, type CompletedBy, type Sora2CarriedState, type Sora2GenerationResult } from './state';
import { workflowIdIssues } from '../common/workflow-id';
import { checkSora2Input, describeIssues, rivyaParams, type Sora2GenerationInput, type Sora2GenerationRequest } from './input';
import { lastKnownCredits } from './last-known-credits';
import {
  sora2ExtendDeadlineUpdate,
  sora2PollNowSignal,
  sora2PollNowUpdate,
  sora2SetPollingUpdate,
  sora2StatusQuery,
  sora2WebhookEventSignal,
  type EffectivePolling,
  type GenerationPhase,
  type GenerationStatus,
} from './messages';
import { extendedDeadlineMs, pollingAfter, requireNotEnding, requireWaiting } from './operator-updates';
import { countGenerationFailed, countGenerationStarted, countGenerationSucceeded } from '../common/metrics';
import { expectedDurationMs, nextPollDelayMs, OVERDUE_AFTER_FACTOR, safetyNetDelayMs } from './polling-schedule';
import { runCompensations } from '../common/saga';
import { RIVYA_MODEL, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from '../common/search-attributes';
import { renderStatusDetails } from './status-details';
import { emptyInbox, offerWebhookEvent, takePendingEvent, type WebhookInboxState } from './webhook-inbox';
import { PATCH_STATUS_BEFORE_TASK, PATCH_WAIT_PLAN } from '../compat';

export type { Sora2CarriedState, Sora2GenerationResult } from './state';

/** The failure type the TS worker reports for an activity type it has not registered (@temporalio/worker). */
const UNREGISTERED_ACTIVITY_ERROR_TYPE = 'NotFoundError';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/**
 * Explicit timeouts everywhere; `scheduleToCloseTimeout` bounds each activity's retries in total
 * time and `maximumAttempts` in count. Errors no retry can fix are non-retryable at the source;
 * the attempt cap is the safety net for one that is misclassified. The paid create keeps the most
 * attempts: after a lost response, only a retry with the same Idempotency-Key recovers the task.
 */
const ACTIVITY_OPTIONS = {
  upload: { startToCloseTimeout: '2m', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 8 } },
  create: { startToCloseTimeout: '30s', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 20 } },
  poll: { startToCloseTimeout: '20s', scheduleToCloseTimeout: '3m', retry: { ...RETRY, maximumAttempts: 10 } },
  compensate: { startToCloseTimeout: '1m', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 10 } },
  /**
   * The wait by retries (rivyaAwaitGeneration): its own schedule sets each "not finished" retry's
   * delay; RETRY's back-off applies only to real errors (Rivya unreachable). Bounded by the
   * deadline (scheduleToCloseTimeout, set per wait) and by an attempt cap that the deadline can
   * never reach: no retry is sooner than 1 s.
   */
  await: { startToCloseTimeout: '20s', retry: RETRY },
  /**
   * A pipeline's own undo step. `NotFoundError` is what the TypeScript worker throws (retryable!)
   * for an activity type it has not registered: no retry registers it, so fail at once.
   */
  pipelineCompensate: {
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '10m',
    retry: { ...RETRY, maximumAttempts: 10, nonRetryableErrorTypes: [UNREGISTERED_ACTIVITY_ERROR_TYPE] },
  },
  /**
   * Saving the video (`save.to`): a long stream, so a short heartbeat timeout finds a killed worker
   * quickly; a retry finds a finished save by its name, or starts the stream over cleanly.
   */
  save: { startToCloseTimeout: '30m', heartbeatTimeout: '20s', scheduleToCloseTimeout: '1h', retry: { ...RETRY, maximumAttempts: 5 } },
} satisfies Record<string, ActivityOptions>;

/** The activities, labelled with what this call does (shown in the Temporal UI). */
function activitiesWithSummary(options: ActivityOptions, summary: string): Sora2Activities {
  return proxyActivities<Sora2Activities>({ ...options, summary });
}

/** Thrown inside the run when the deadline passes; turned into GenerationTimedOut. */
class DeadlineReached extends Error {}

export async function sora2Generation(input: Sora2GenerationInput, carried?: Sora2CarriedState): Promise<Sora2GenerationResult> {
  const checked = checkSora2Input(input);
  const issues = [...(checked.ok ? [] : checked.issues), ...workflowIdIssues(workflowInfo().workflowId)];
  if (!checked.ok || issues.length > 0) {
    // Nothing has happened yet: no compensation to run, nothing paid. The list still says why.
    const searchAttributes = (input as { searchAttributes?: unknown } | null | undefined)?.searchAttributes;
    if (searchAttributes !== false && patched(PATCH_STATUS_BEFORE_TASK)) {
      upsertSearchAttributes([{ key: RIVYA_TASK_STATUS, value: statusBeforeTaskOf('invalid-input', FailureTypes.ValidationFailed)! }]);
    }
    throw generationFailure(FailureTypes.ValidationFailed, `invalid generation input: ${describeIssues(issues)}`, {
      reason: 'invalid-input',
      workflowId: workflowInfo().workflowId,
      phase: 'validating',
      taskId: null,
      remoteError: null,
      credits: null,
      compensations: [],
      polls: 0,
      issues,
    });
  }
  try {
    return await new GenerationRun(checked.value, input, carried).run();
  } finally {
    // An operator's pollNow Update may still be answering: let it finish before the run closes.
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}

class GenerationRun {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly state: Sora2CarriedState;
  private readonly expectedMs: number;
  private phase: GenerationPhase = 'validating';
  private nextPollAt: number | null = null;
  private pollRequested = false;
  /** An operator changed the deadline or the polling: the current wait ends and the next one is planned anew. */
  private replanRequested = false;
  /** Status checks finished in this run (pollNow's Update waits for the next one). */
  private checksCompleted = 0;
  private reconciliation: CreditReconciliation | null = null;
  private completedBy: CompletedBy | null = null;
  private waitingByRetries = false;
  /** The plan in force for waiting: decided once per run, at its first wait (see PATCH_WAIT_PLAN). */
  private planInForce: WaitPlan | null | undefined;
  private readonly inbox: WebhookInboxState;

  constructor(
    private readonly request: Sora2GenerationRequest,
    private readonly rawInput: Sora2GenerationInput,
    carried: Sora2CarriedState | undefined,
  ) {
    this.state = carried ?? initialState(request, Date.now());
    // Runs carried over from before webhooks existed have no inbox yet.
    this.inbox = this.state.inbox ??= emptyInbox();
    this.expectedMs = expectedDurationMs(request.model, rivyaParams(request).n_frames!, request.polling);
    setHandler(sora2StatusQuery, () => this.currentStatus());
    setHandler(sora2PollNowSignal, () => {
      this.pollRequested = true;
    });
    setHandler(sora2WebhookEventSignal, (event) => {
      const task = this.state.task;
      offerWebhookEvent(this.inbox, event, task?.id ?? null, task !== null && isTerminal(task.status));
    });
    this.handleOperatorUpdates();
  }

  /** extendDeadline, pollNow (with the fresh status) and setPolling: each validated, so a bad value writes no history. */
  private handleOperatorUpdates(): void {
    const deadlineFacts = () => ({ startedAtMs: this.state.startedAtMs, deadlineAtMs: this.state.deadlineAtMs, nowMs: Date.now() });
    setHandler(
      sora2ExtendDeadlineUpdate,
      (request) => {
        const previous = this.state.deadlineAtMs;
        this.state.deadlineAtMs = extendedDeadlineMs(request, deadlineFacts());
        this.replanRequested = true;
        this.publishDetails();
        return { previousDeadlineAt: new Date(previous).toISOString(), deadlineAt: new Date(this.state.deadlineAtMs).toISOString() };
      },
      {
        validator: (request) => {
          requireNotEnding(this.phase);
          extendedDeadlineMs(request, deadlineFacts());
        },
      },
    );
    setHandler(
      sora2PollNowUpdate,
      async () => {
        const before = this.checksCompleted;
        this.pollRequested = true;
        // A webhook event may end the wait first: then the run has its answer and no check follows.
        await condition(() => this.checksCompleted > before || this.phase !== 'polling');
        return this.currentStatus();
      },
      { validator: () => requireWaiting(this.phase) },
    );
    setHandler(
      sora2SetPollingUpdate,
      (request) => {
        const next = pollingAfter(request, this.effectivePolling());
        // Only what was asked for is kept: an unset `webhooks` still follows the plan decided at the first wait.
        const overrides = { ...this.state.pollingOverrides };
        if (request.minIntervalMs !== undefined) overrides.minIntervalMs = next.minIntervalMs;
        if (request.maxIntervalMs !== undefined) overrides.maxIntervalMs = next.maxIntervalMs;
        if (request.webhooks !== undefined) overrides.webhooks = next.webhooks;
        this.state.pollingOverrides = overrides;
        this.replanRequested = true;
        this.publishDetails();
        return this.effectivePolling();
      },
      {
        validator: (request) => {
          requireNotEnding(this.phase);
          pollingAfter(request, this.effectivePolling());
        },
      },
    );
  }

  /** The input's polling options with an operator's changes (setPolling) applied. */
  private get polling() {
    const overrides = this.state.pollingOverrides;
    if (!overrides) return this.request.polling;
    return {
      ...this.request.polling,
      ...(overrides.minIntervalMs !== undefined ? { minIntervalMs: overrides.minIntervalMs } : {}),
      ...(overrides.maxIntervalMs !== undefined ? { maxIntervalMs: overrides.maxIntervalMs } : {}),
    };
  }

  private effectivePolling(): EffectivePolling {
    const { minIntervalMs, maxIntervalMs } = this.polling;
    return { minIntervalMs, maxIntervalMs, webhooks: this.webhooks };
  }

  /** The worker's plan, once the run's first wait has decided to follow it; null: the pre-plan behaviour. */
  private get plan(): WaitPlan | null {
    return this.planInForce ?? null;
  }

  /** Called at the first wait of every run: the only place the patch is asked, so replays ask it at the same point. */
  private decidePlan(): void {
    if (this.planInForce !== undefined) return;
    this.planInForce = this.state.plan && patched(PATCH_WAIT_PLAN) ? this.state.plan : null;
  }

  /** Webhooks on: the input decides, else the worker's default (from the create activity's plan). */
  private get webhooks(): boolean {
    return this.state.pollingOverrides?.webhooks ?? this.request.completion.webhooks ?? this.plan?.webhooksByDefault ?? false;
  }

  /**
   * How the run waits. Runs without a plan in force were recorded before the retry form existed:
   * they keep the timer loop, so their histories replay command for command.
   */
  private get waitStyle(): 'activity-retry' | 'timer' {
    return this.request.polling.style ?? (this.plan ? 'activity-retry' : 'timer');
  }

  /** The schedule's E: the plan's (learned or input) when there is one, else the built-in guess. */
  private get expectation() {
    return this.plan?.expectation ?? null;
  }

  async run(): Promise<Sora2GenerationResult> {
    if (!this.state.task && this.state.continuedAsNew === 0) this.beginFirstRun();
    try {
      await this.uploadReference();
      await this.createTask();
      const finished = await this.waitUntilFinished();
      if (finished.status === 'succeeded') return this.successResult(finished, await this.saveResult(finished));
      return await this.failWith(classifyTaskFailure(finished));
    } catch (err) {
      const failure = this.classifyRunError(err);
      if (!failure) throw err;
      return await this.failWith(failure);
    }
  }

  /** Only a generation's first run: later runs (continue-as-new) carry these forward. */
  private beginFirstRun(): void {
    countGenerationStarted();
    this.registerPipelineCompensations('start');
    if (!workflowInfo().typedSearchAttributes.get(RIVYA_MODEL))
      this.upsertSearchAttributesIfEnabled([{ key: RIVYA_MODEL, value: this.request.model }]);
  }

  private async uploadReference(): Promise<void> {
    if (!this.request.reference || this.state.reference) return;
    this.enter('uploading-reference');
    this.state.reference = await activitiesWithSummary(
      ACTIVITY_OPTIONS.upload,
      'validate and upload the reference image',
    ).rivyaUploadReference({
      reference: this.request.reference,
      model: this.request.model,
      workflowId: this.workflowId,
    });
    // Rivya has no file delete: the uploaded reference expires by itself (expires_at), nothing to undo.
    this.registerPipelineCompensations('reference-uploaded');
  }

  private async createTask(): Promise<void> {
    if (this.state.task) return;
    this.enter('creating-task');
    const reference = this.state.reference;
    const { task, plan } = await activitiesWithSummary(
      ACTIVITY_OPTIONS.create,
      `create the ${this.request.model} task`,
    ).rivyaCreateGeneration({
      model: this.request.model,
      prompt: this.request.prompt,
      params: rivyaParams(this.request),
      reference: reference ? { url: reference.url, mimeType: reference.mimeType, name: reference.name } : undefined,
      idempotencyKey: this.workflowId,
      expectedDurationMs: this.request.polling.expectedDurationMs,
    });
    this.state.task = task;
    this.state.plan = plan ?? null;
    this.state.taskCreatedAtMs = Date.now();
    this.state.compensations.push({ kind: 'reconcile-credits', taskId: task.id });
    this.registerPipelineCompensations('task-created');
    this.upsertSearchAttributesIfEnabled([
      { key: RIVYA_TASK_ID, value: task.id },
      { key: RIVYA_TASK_STATUS, value: task.status },
    ]);
  }

  /**
   * Returns the task once it has succeeded or failed — told by a webhook event or found by a status
   * check, whichever comes first; throws DeadlineReached or continues-as-new on the way.
   */
  private async waitUntilFinished(): Promise<TaskSnapshot> {
    this.decidePlan();
    this.enter('polling');
    let task = this.state.task!;
    while (!isTerminal(task.status)) {
      const event = takePendingEvent(this.inbox);
      if (event) {
        task = await this.acceptWebhookEvent(event.task, task);
        continue;
      }
      if (workflowInfo().continueAsNewSuggested) await this.continueAsNew();
      task = this.waitStyle === 'timer' ? await this.checkAfterTimer(task) : await this.checkByRetries(task);
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
    if (task.status !== previous.status) this.upsertSearchAttributesIfEnabled([{ key: RIVYA_TASK_STATUS, value: task.status }]);
    return task;
  }

  /** A wake-up that ends a wait early: a webhook event to take, or an operator's pollNow. */
  private get wokenEarly(): boolean {
    return this.pollRequested || this.replanRequested || this.inbox.pending !== null;
  }

  /** The timer form: sleep until the next scheduled check (or a wake-up), then check. */
  private async checkAfterTimer(previous: TaskSnapshot): Promise<TaskSnapshot> {
    await this.waitForNextCheck();
    if (this.inbox.pending !== null) return previous; // the loop takes the event; no call needed
    if (this.replanRequested && !this.pollRequested) return previous; // planned anew by the loop
    return this.checkTaskStatus(previous);
  }

  /**
   * Sleeps on a durable timer until the next scheduled status check, or less when the pollNow
   * signal or a webhook event cuts it short.
   */
  private async waitForNextCheck(): Promise<void> {
    const now = Date.now();
    const remaining = this.state.deadlineAtMs - now;
    if (remaining <= 0) throw new DeadlineReached();
    const expectation = this.expectation;
    const timing = {
      elapsedMs: now - this.state.taskCreatedAtMs!,
      pollsSoFar: this.state.polls,
      overduePolls: this.state.overduePolls,
      expectedMs: expectation?.expectedMs ?? this.expectedMs,
      // Absent for runs recorded before learning: their timers stay exactly as recorded.
      ...(expectation ? { earliestMs: expectation.earliestMs, sparseCapMs: expectation.sparseCapMs } : {}),
      remainingBeforeDeadlineMs: remaining,
      jitterKey: this.workflowId,
    };
    const delay = this.webhooks ? safetyNetDelayMs(timing, this.polling) : nextPollDelayMs(timing, this.polling);
    this.nextPollAt = now + delay;
    this.publishDetails();
    this.pollRequested = false;
    this.replanRequested = false;
    try {
      await condition(() => this.wokenEarly, delay, { summary: `wait before status check #${this.state.polls + 1}` });
    } finally {
      // Also when a cancel cuts the wait short: a stale time would read as "due".
      this.nextPollAt = null;
    }
  }

  /**
   * The retry form: one rivyaAwaitGeneration activity checks on its own schedule (each "not
   * finished" is a benign retry: no history, no workflow task), raced against wake-ups. A webhook
   * event or pollNow cancels it; pollNow then checks once at once.
   */
  private async checkByRetries(previous: TaskSnapshot): Promise<TaskSnapshot> {
    const remainingMs = this.state.deadlineAtMs - Date.now();
    if (remainingMs <= 0) throw new DeadlineReached();
    const awaiting = proxyActivities<Sora2Activities>({
      ...ACTIVITY_OPTIONS.await,
      scheduleToCloseTimeout: remainingMs,
      retry: { ...ACTIVITY_OPTIONS.await.retry, maximumAttempts: Math.ceil(remainingMs / 1_000) + 10 },
      summary: this.webhooks ? 'safety-net status checks (webhooks on)' : 'status checks (by activity retries)',
    });
    const polling = this.polling;
    let outcome: { done: AwaitGenerationOutput } | { error: unknown } | undefined;
    const scope = new CancellationScope();
    const running = scope
      .run(() =>
        awaiting.rivyaAwaitGeneration({
          taskId: previous.id,
          model: this.request.model,
          nFrames: rivyaParams(this.request).n_frames!,
          taskCreatedAtMs: this.state.taskCreatedAtMs!,
          checksSoFar: this.state.polls,
          polling: {
            firstCheckAfterMs: polling.firstCheckAfterMs,
            minIntervalMs: polling.minIntervalMs,
            maxIntervalMs: polling.maxIntervalMs,
            expectedDurationMs: polling.expectedDurationMs,
            jitterFraction: polling.jitterFraction,
          },
          webhooks: this.webhooks,
          deadlineAtMs: this.state.deadlineAtMs,
          jitterKey: this.workflowId,
        }),
      )
      .then(
        (done) => void (outcome = { done }),
        (error: unknown) => void (outcome = { error }),
      );
    this.waitingByRetries = true;
    this.pollRequested = false;
    this.replanRequested = false;
    this.publishDetails();
    try {
      await condition(() => outcome !== undefined || this.wokenEarly);
    } finally {
      this.waitingByRetries = false;
    }
    if (outcome === undefined) {
      scope.cancel();
      await running;
      if (!this.pollRequested) return previous; // the loop takes the event
      this.pollRequested = false;
      return this.checkTaskStatus(previous);
    }
    if ('error' in outcome) throw this.awaitFailure(outcome.error);
    const { task, checks } = outcome.done;
    this.state.polls += checks;
    this.checksCompleted += checks;
    this.state.lastError = null;
    this.state.task = task;
    if (task.status !== previous.status) this.upsertSearchAttributesIfEnabled([{ key: RIVYA_TASK_STATUS, value: task.status }]);
    return task;
  }

  /** The wait's end without a terminal task: the deadline when its retries ran out of time, else the error itself. */
  private awaitFailure(err: unknown): unknown {
    if (!(err instanceof ActivityFailure)) return err;
    const outOfTime =
      err.retryState === RetryState.TIMEOUT ||
      err.cause instanceof TimeoutFailure ||
      (err.cause instanceof ApplicationFailure && err.cause.type === TASK_NOT_FINISHED_ERROR_TYPE);
    return outOfTime ? new DeadlineReached() : err;
  }

  /** Returns the task as Rivya reports it now, or `previous` when Rivya stayed unreachable (see isTransientActivityFailure). */
  private async checkTaskStatus(previous: TaskSnapshot): Promise<TaskSnapshot> {
    const pollNumber = this.state.polls + 1;
    let task: TaskSnapshot;
    try {
      task = await activitiesWithSummary(ACTIVITY_OPTIONS.poll, `status check #${pollNumber}`).rivyaGetGeneration(previous.id);
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
    // Search attributes cost a history event each: upsert on transitions only, not on every poll.
    if (task.status !== previous.status) this.upsertSearchAttributesIfEnabled([{ key: RIVYA_TASK_STATUS, value: task.status }]);
    return task;
  }

  private async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    this.state.continuedAsNew += 1;
    return continueAsNew<typeof sora2Generation>(this.rawInput, this.state);
  }

  /**
   * `save.to` set: the worker streams the video to the directory or bucket. Only such inputs run
   * this activity, and no committed history has one, so those replay unchanged without a patch.
   * A save that gives up fails the run as ResultNotSaved without a saga: the paid video exists.
   */
  private async saveResult(task: TaskSnapshot): Promise<SavedVideo | null> {
    const save = this.request.save;
    if (!save) return null;
    const videoUrl = task.videoUrls[0]!;
    this.enter('saving');
    try {
      const saving = activitiesWithSummary(ACTIVITY_OPTIONS.save, `save the video to ${save.to}`);
      return await saving.rivyaSaveResult({ workflowId: this.workflowId, taskId: task.id, videoUrl, to: save.to });
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      throw ApplicationFailure.create({
        type: RESULT_NOT_SAVED,
        nonRetryable: true,
        message: `task ${task.id} succeeded but its video was not saved to ${save.to}: ${describeError(err)}`,
        details: [{ workflowId: this.workflowId, taskId: task.id, videoUrl, to: save.to }],
        cause: err,
      });
    }
  }

  private successResult(task: TaskSnapshot, saved: SavedVideo | null): Sora2GenerationResult {
    this.enter('succeeded');
    countGenerationSucceeded(task, this.completedBy ?? 'poll');
    return successResultOf(this.workflowId, this.request, this.state, task, this.completedBy ?? 'poll', Date.now(), saved);
  }

  /** The typed failure for an error that ends the run, or undefined for one that must propagate as is. */
  private classifyRunError(err: unknown): ClassifiedFailure | undefined {
    if (err instanceof ContinueAsNew) return undefined;
    if (isCancellation(err)) return classifyCancellation(this.state.task);
    if (err instanceof DeadlineReached) return classifyDeadline(this.request.polling.deadlineMs);
    if (err instanceof ActivityFailure) return classifyActivityFailure(err);
    return undefined;
  }

  /** Runs the saga, then fails the workflow with the typed reason and the run's facts. */
  private async failWith({ reason, type, message, remoteError }: ClassifiedFailure): Promise<never> {
    this.enter('compensating');
    const compensations = await this.compensate(reason);
    const end = endStateOf(reason);
    this.enter(end.phase);
    if (end.searchStatus) this.upsertSearchAttributesIfEnabled([{ key: RIVYA_TASK_STATUS, value: end.searchStatus }]);
    else if (!this.state.task) this.upsertStatusBeforeTask(reason, type);
    countGenerationFailed(type, this.reconciliation);
    throw generationFailure(type, message, {
      reason,
      workflowId: this.workflowId,
      phase: end.phase,
      taskId: this.state.task?.id ?? null,
      remoteError,
      credits: this.reconciliation,
      compensations,
      polls: this.state.polls,
    });
  }

  /** Runs every registered compensation (newest first) and returns how each went. */
  private async compensate(reason: FailureReason): Promise<CompensationOutcome[]> {
    const context: CompensationContext = {
      workflowId: this.workflowId,
      reason,
      taskId: this.state.task?.id ?? null,
      metadata: this.request.metadata,
    };
    return runCompensations(this.state.compensations, async (step) => {
      if (step.kind === 'reconcile-credits') {
        this.reconciliation = await this.reconcileCredits(step.taskId, reason);
        return;
      }
      const pipeline = proxyActivities<UntypedActivities>({
        ...ACTIVITY_OPTIONS.pipelineCompensate,
        summary: `compensation ${step.activity}`,
      });
      await pipeline[step.activity]!(context, ...step.args);
    });
  }

  /** Whether the reservation came back: read from Rivya once more, except after a cancel (no further calls promised). */
  private async reconcileCredits(taskId: string, reason: FailureReason): Promise<CreditReconciliation> {
    if (reason === 'cancelled') return lastKnownCredits(taskId, this.state.task!);
    return activitiesWithSummary(ACTIVITY_OPTIONS.compensate, 'reconcile credits').rivyaReconcileCredits(taskId);
  }

  /** Ended before a task existed: without this the run's RivyaTaskStatus would stay blank. */
  private upsertStatusBeforeTask(reason: FailureReason, type: FailureType): void {
    const status = statusBeforeTaskOf(reason, type);
    if (status && this.request.searchAttributes && patched(PATCH_STATUS_BEFORE_TASK))
      upsertSearchAttributes([{ key: RIVYA_TASK_STATUS, value: status }]);
  }

  private registerPipelineCompensations(after: 'start' | 'reference-uploaded' | 'task-created'): void {
    for (const compensation of this.request.compensations) {
      if (compensation.after === after)
        this.state.compensations.push({ kind: 'pipeline', activity: compensation.activity, args: compensation.args });
    }
  }

  private upsertSearchAttributesIfEnabled(pairs: SearchAttributeUpdatePair[]): void {
    if (this.request.searchAttributes) upsertSearchAttributes(pairs);
  }

  private enter(phase: GenerationPhase): void {
    this.phase = phase;
    this.publishDetails();
  }

  /** The Temporal UI's "current details" (no history cost), from the same status the query returns. */
  private publishDetails(): void {
    setCurrentDetails(renderStatusDetails(this.currentStatus()));
  }

  /** What the `sora2Status` query returns. */
  private currentStatus(): GenerationStatus {
    const task = this.state.task;
    return {
      phase: this.phase,
      model: this.request.model,
      taskId: task?.id ?? null,
      remoteStatus: task?.status ?? null,
      polls: this.state.polls,
      nextPollAt: this.nextPollAt === null ? null : new Date(this.nextPollAt).toISOString(),
      startedAt: new Date(this.state.startedAtMs).toISOString(),
      deadlineAt: new Date(this.state.deadlineAtMs).toISOString(),
      credits: task ? { reserved: task.reservedCredits, final: task.finalCredits } : null,
      referenceFileId: this.state.reference?.fileId ?? null,
      continuedAsNew: this.state.continuedAsNew,
      lastError: this.state.lastError,
      reconciliation: this.reconciliation,
      completion: {
        webhooks: this.webhooks,
        style: this.waitStyle,
        expectation: this.expectation?.source ?? null,
        completedBy: this.completedBy,
        webhookEvents: {
          accepted: this.inbox.counts.accepted,
          duplicate: this.inbox.counts.duplicate,
          ignored: this.inbox.counts['other-task'] + this.inbox.counts['not-terminal'] + this.inbox.counts['after-terminal'],
        },
      },
    };
  }
}
