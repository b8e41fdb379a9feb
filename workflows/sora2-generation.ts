/**
 * One Sora 2 generation as a durable workflow:
 *   validate input → upload the reference (optional) → create the task exactly once → poll with
 *   durable timers → succeed, or compensate (saga) and fail with a typed reason.
 * Workflow-safe: all I/O is in activities; time and jitter come from Temporal's deterministic APIs.
 * What a failure means (failure-classification.ts), what the UI shows (status-details.ts) and the
 * state carried across continue-as-new (generation-state.ts) live beside this file.
 */
import {
  ActivityFailure,
  allHandlersFinished,
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
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { isTerminal } from '../src/rivya/task-status';
import type { CompensationContext, CreditReconciliation, FailureReason, Sora2Activities, TaskSnapshot } from './activity-contract';
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
import { generationFailure, FailureTypes, type CompensationOutcome, type FailureType } from './failures';
import { initialState, successResultOf, type Sora2CarriedState, type Sora2GenerationResult } from './generation-state';
import { workflowIdIssues } from './workflow-id';
import { checkSora2Input, describeIssues, rivyaParams, type Sora2GenerationInput, type Sora2GenerationRequest } from './input';
import { lastKnownCredits } from './last-known-credits';
import { sora2PollNowSignal, sora2StatusQuery, type GenerationPhase, type GenerationStatus } from './messages';
import { expectedDurationMs, nextPollDelayMs, OVERDUE_AFTER_FACTOR } from './polling-schedule';
import { runCompensations } from './saga';
import { RIVYA_MODEL, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from './search-attributes';
import { renderStatusDetails } from './status-details';

export type { Sora2CarriedState, Sora2GenerationResult } from './generation-state';

/** The failure type the TS worker reports for an activity type it has not registered (@temporalio/worker). */
const UNREGISTERED_ACTIVITY_ERROR_TYPE = 'NotFoundError';

/**
 * Patch ids (`patched()`): each guards a history command added after histories were committed, so
 * those histories replay with their old commands and new runs get the new ones.
 */
const PATCH_STATUS_BEFORE_TASK = 'rivya-task-status-before-task';

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
   * A pipeline's own undo step. `NotFoundError` is what the TypeScript worker throws (retryable!)
   * for an activity type it has not registered: no retry registers it, so fail at once.
   */
  pipelineCompensate: {
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '10m',
    retry: { ...RETRY, maximumAttempts: 10, nonRetryableErrorTypes: [UNREGISTERED_ACTIVITY_ERROR_TYPE] },
  },
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
  return new GenerationRun(checked.value, input, carried).run();
}

class GenerationRun {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly state: Sora2CarriedState;
  private readonly expectedMs: number;
  private phase: GenerationPhase = 'validating';
  private nextPollAt: number | null = null;
  private pollRequested = false;
  private reconciliation: CreditReconciliation | null = null;

  constructor(
    private readonly request: Sora2GenerationRequest,
    private readonly rawInput: Sora2GenerationInput,
    carried: Sora2CarriedState | undefined,
  ) {
    this.state = carried ?? initialState(request, Date.now());
    this.expectedMs = expectedDurationMs(request.model, rivyaParams(request).n_frames!, request.polling);
    setHandler(sora2StatusQuery, () => this.currentStatus());
    setHandler(sora2PollNowSignal, () => {
      this.pollRequested = true;
    });
  }

  async run(): Promise<Sora2GenerationResult> {
    if (!this.state.task && this.state.continuedAsNew === 0) this.beginFirstRun();
    try {
      await this.uploadReference();
      await this.createTask();
      const finished = await this.pollUntilFinished();
      if (finished.status === 'succeeded') return this.successResult(finished);
      return await this.failWith(classifyTaskFailure(finished));
    } catch (err) {
      const failure = this.classifyRunError(err);
      if (!failure) throw err;
      return await this.failWith(failure);
    }
  }

  /** Only a generation's first run: later runs (continue-as-new) carry these forward. */
  private beginFirstRun(): void {
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
    const { task } = await activitiesWithSummary(ACTIVITY_OPTIONS.create, `create the ${this.request.model} task`).rivyaCreateGeneration({
      model: this.request.model,
      prompt: this.request.prompt,
      params: rivyaParams(this.request),
      reference: reference ? { url: reference.url, mimeType: reference.mimeType, name: reference.name } : undefined,
      idempotencyKey: this.workflowId,
    });
    this.state.task = task;
    this.state.taskCreatedAtMs = Date.now();
    this.state.compensations.push({ kind: 'reconcile-credits', taskId: task.id });
    this.registerPipelineCompensations('task-created');
    this.upsertSearchAttributesIfEnabled([
      { key: RIVYA_TASK_ID, value: task.id },
      { key: RIVYA_TASK_STATUS, value: task.status },
    ]);
  }

  /** Returns the task once it has succeeded or failed; throws DeadlineReached or continues-as-new on the way. */
  private async pollUntilFinished(): Promise<TaskSnapshot> {
    this.enter('polling');
    let task = this.state.task!;
    while (!isTerminal(task.status)) {
      if (workflowInfo().continueAsNewSuggested) await this.continueAsNew();
      await this.waitForNextCheck();
      task = await this.checkTaskStatus(task);
      if (!isTerminal(task.status) && Date.now() >= this.state.deadlineAtMs) throw new DeadlineReached();
    }
    return task;
  }

  /**
   * Sleeps on a durable timer until the next scheduled status check, or less when the pollNow
   * signal asks for a check now. The one place the run waits: other wake-ups (webhooks) belong here.
   */
  private async waitForNextCheck(): Promise<void> {
    const now = Date.now();
    const remaining = this.state.deadlineAtMs - now;
    if (remaining <= 0) throw new DeadlineReached();
    const delay = nextPollDelayMs(
      {
        elapsedMs: now - this.state.taskCreatedAtMs!,
        pollsSoFar: this.state.polls,
        overduePolls: this.state.overduePolls,
        expectedMs: this.expectedMs,
        remainingBeforeDeadlineMs: remaining,
        jitterKey: this.workflowId,
      },
      this.request.polling,
    );
    this.nextPollAt = now + delay;
    this.publishDetails();
    this.pollRequested = false;
    try {
      await condition(() => this.pollRequested, delay, { summary: `wait before status check #${this.state.polls + 1}` });
    } finally {
      // Also when a cancel cuts the wait short: a stale time would read as "due".
      this.nextPollAt = null;
    }
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
      this.state.lastError = describeError(err);
      return previous;
    }
    this.state.polls = pollNumber;
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

  private successResult(task: TaskSnapshot): Sora2GenerationResult {
    this.enter('succeeded');
    return successResultOf(this.workflowId, this.request, this.state, task, Date.now());
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
    };
  }
}
