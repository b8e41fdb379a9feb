/**
 * One Sora 2 generation as a durable workflow:
 *   validate input → check the save target (optional, save-target-check.ts) → upload the reference
 *   (optional) → create the task exactly once → wait for it to end (wait.ts: a signed webhook, or
 *   status checks as the safety net) → succeed, or compensate (saga) and fail with a typed reason.
 * Workflow-safe: all I/O is in activities; time and jitter come from Temporal's deterministic APIs.
 * Beside this file: the activities' options (activity-options.ts), the wait and its two strategies
 * (wait.ts, wait-by-plan.ts, wait-by-timer.ts), the message handlers (message-handlers.ts), what a
 * failure means (failure-classification.ts), what the UI shows (status-details.ts) and the state
 * carried across continue-as-new (state.ts).
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
  upsertSearchAttributes,
  workflowInfo,
  type UntypedActivities,
} from '@temporalio/workflow';
import { ApplicationFailure, type SearchAttributeUpdatePair } from '@temporalio/common';
import {
  RESULT_NOT_SAVED,
  type CompensationContext,
  type CreditReconciliation,
  type FailureReason,
  type SavedVideo,
  type TaskSnapshot,
} from '../common/activity-contract';
import { generationFailure, FailureTypes, type CompensationOutcome, type FailureType } from '../common/failures';
import { countGenerationFailed, countGenerationStarted, countGenerationSucceeded } from '../common/metrics';
import { runCompensations } from '../common/saga';
import { RIVYA_ACCOUNT, RIVYA_MODEL, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from '../common/search-attributes';
import { workflowIdIssues } from '../common/workflow-id';
import { isTerminal } from '../../src/contract/task-status';
import { PATCH_STATUS_BEFORE_TASK } from '../compat';
import { accountArgs, accountField, checkAccountBeforePaying } from './account';
import { ACTIVITY_OPTIONS, activitiesWithSummary } from './activity-options';
import {
  classifyActivityFailure,
  classifyCancellation,
  classifyDeadline,
  classifyTaskFailure,
  describeError,
  endStateOf,
  statusBeforeTaskOf,
  type ClassifiedFailure,
} from './failure-classification';
import { checkSora2Input, describeIssues, rivyaParams, type Sora2GenerationInput, type Sora2GenerationRequest } from './input';
import { lastKnownCredits } from './last-known-credits';
import { setMessageHandlers } from './message-handlers';
import type { GenerationPhase, GenerationStatus } from './messages';
import { initialState, successResultOf, type Sora2CarriedState, type Sora2GenerationResult } from './state';
import { checkSaveTargetBeforePaying } from './save-target-check';
import { renderStatusDetails } from './status-details';
import { GenerationWait } from './wait';
import { DeadlineReached } from './wait-state';
import { AccountBudgetLease } from '../budget/generation-lease';
import { ApprovalGate, ApprovalNotGiven, AWAITING_APPROVAL_STATUS, setApprovalHandlers } from './approval';
import { etaOf } from './eta';
import { priceOf } from '../../src/contract/models';

export type { Sora2CarriedState, Sora2GenerationResult } from './state';

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
  // state, wait, phase, currentStatus, publishDetails, continueAsNew: public for the message
  // handlers (message-handlers.ts) and the wait (wait.ts), which read and steer the same run.
  readonly state: Sora2CarriedState;
  readonly wait: GenerationWait;
  readonly approval: ApprovalGate;
  phase: GenerationPhase = 'validating';
  private reconciliation: CreditReconciliation | null = null;
  /** `accountBudget` only: the lease before the paid create (budget/generation-lease.ts). */
  private readonly budget: AccountBudgetLease;

  constructor(
    private readonly request: Sora2GenerationRequest,
    private readonly rawInput: Sora2GenerationInput,
    carried: Sora2CarriedState | undefined,
  ) {
    this.state = carried ?? initialState(request, Date.now());
    this.wait = new GenerationWait(this.workflowId, request, this.state, this);
    this.budget = new AccountBudgetLease(request, this.workflowId, this.state.task !== null);
    setMessageHandlers(this);
    this.approval = new ApprovalGate(request.approval, priceOf(request.model, rivyaParams(request)), this.state);
    setApprovalHandlers(this.approval, this);
  }

  async run(): Promise<Sora2GenerationResult> {
    if (!this.state.task && this.state.continuedAsNew === 0) this.beginFirstRun();
    try {
      await checkAccountBeforePaying(this.request.account, this.state.task !== null);
      await checkSaveTargetBeforePaying(this.request.save, this.state.task !== null);
      await this.uploadReference();
      await this.awaitApproval();
      await this.createTask();
      const finished = await this.waitUntilFinished();
      await this.budget.taskEnded(finished);
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
    // Only runs that name an account upsert it (no recorded history has one: no patch needed).
    const account = this.request.account;
    if (account !== undefined && workflowInfo().typedSearchAttributes.get(RIVYA_ACCOUNT) !== account)
      this.upsertSearchAttributesIfEnabled([{ key: RIVYA_ACCOUNT, value: account }]);
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
      ...accountField(this.request),
    });
    // Rivya has no file delete: the uploaded reference expires by itself (expires_at), nothing to undo.
    this.registerPipelineCompensations('reference-uploaded');
  }

  /**
   * `approval.required` only (approval.ts): wait for a decision before paying. The deadline counts
   * from the approval, so a decision that took hours does not eat the generation's own time.
   */
  private async awaitApproval(): Promise<void> {
    if (this.state.task) return;
    const waitedMs = await this.approval.pass(
      () => Date.now(),
      () => {
        this.enter('awaiting-approval');
        this.upsertSearchAttributesIfEnabled([{ key: RIVYA_TASK_STATUS, value: AWAITING_APPROVAL_STATUS }]);
      },
    );
    this.state.deadlineAtMs += waitedMs;
  }

  private async createTask(): Promise<void> {
    if (this.state.task) return;
    this.enter('creating-task');
    await this.budget.beforeCreate(this.state.deadlineAtMs, rivyaParams(this.request));
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
      ...accountField(this.request),
    });
    this.state.task = task;
    this.state.plan = plan ?? null;
    this.state.taskCreatedAtMs = Date.now();
    this.state.compensations.push({ kind: 'reconcile-credits', taskId: task.id });
    this.registerPipelineCompensations('task-created');
    await this.budget.created(task.id);
    this.upsertSearchAttributesIfEnabled([
      { key: RIVYA_TASK_ID, value: task.id },
      { key: RIVYA_TASK_STATUS, value: task.status },
    ]);
  }

  /**
   * Returns the task once it has succeeded or failed (wait.ts); throws DeadlineReached or
   * continues-as-new on the way. The plan is decided first: the published phase shows its style.
   */
  private async waitUntilFinished(): Promise<TaskSnapshot> {
    this.wait.decidePlan();
    this.enter('polling');
    return this.wait.untilFinished();
  }

  async continueAsNew(): Promise<never> {
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
    const completedBy = this.wait.completedBy ?? 'poll';
    countGenerationSucceeded(task, completedBy);
    return successResultOf(this.workflowId, this.request, this.state, task, completedBy, Date.now(), saved);
  }

  /** The typed failure for an error that ends the run, or undefined for one that must propagate as is. */
  private classifyRunError(err: unknown): ClassifiedFailure | undefined {
    if (err instanceof ContinueAsNew) return undefined;
    if (err instanceof ApprovalNotGiven) return err.failure;
    if (isCancellation(err)) return classifyCancellation(this.state.task);
    if (err instanceof DeadlineReached) return classifyDeadline(this.request.polling.deadlineMs);
    if (err instanceof ActivityFailure) return classifyActivityFailure(err);
    return undefined;
  }

  /** Runs the saga, then fails the workflow with the typed reason and the run's facts. */
  private async failWith({ reason, type, message, remoteError }: ClassifiedFailure): Promise<never> {
    this.enter('compensating');
    const compensations = await this.compensate(reason);
    await this.budget.runEnded({ type, remoteError }, this.state.task !== null);
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
      ...this.approval.failureDetails(),
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
    return activitiesWithSummary(ACTIVITY_OPTIONS.compensate, 'reconcile credits').rivyaReconcileCredits(
      taskId,
      ...accountArgs(this.request),
    );
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
  publishDetails(): void {
    setCurrentDetails(renderStatusDetails(this.currentStatus()));
  }

  /** What the `sora2Status` query returns. */
  currentStatus(): GenerationStatus {
    const task = this.state.task;
    const nextCheckAt = this.wait.timer.nextCheckAt;
    return {
      phase: this.phase,
      model: this.request.model,
      taskId: task?.id ?? null,
      remoteStatus: task?.status ?? null,
      polls: this.state.polls,
      nextPollAt: nextCheckAt === null ? null : new Date(nextCheckAt).toISOString(),
      startedAt: new Date(this.state.startedAtMs).toISOString(),
      deadlineAt: new Date(this.state.deadlineAtMs).toISOString(),
      credits: task ? { reserved: task.reservedCredits, final: task.finalCredits } : null,
      referenceFileId: this.state.reference?.fileId ?? null,
      continuedAsNew: this.state.continuedAsNew,
      lastError: this.state.lastError,
      reconciliation: this.reconciliation,
      completion: this.wait.completion(),
      approval: this.approval.status(),
      eta: etaOf({
        durations: this.state.plan?.durations,
        taskCreatedAtMs: this.state.taskCreatedAtMs,
        nowMs: Date.now(),
        ended: task !== null && isTerminal(task.status),
      }),
    };
  }
}
