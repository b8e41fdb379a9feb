/**
 * One Sora 2 generation as a durable workflow:
 *   validate input → upload the reference (optional) → create the task exactly once → poll with
 *   durable timers → succeed, or compensate (saga) and fail with a typed reason.
 * Workflow-safe: all I/O is in activities; time and jitter come from Temporal's deterministic APIs.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  ContinueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type UntypedActivities,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type {
  CompensationContext,
  CreditReconciliation,
  FailureReason,
  Sora2Activities,
  TaskSnapshot,
  UploadedReference,
} from './activity-contract';
import {
  FailureTypes,
  REFERENCE_DOWNLOAD_FAILED,
  REFERENCE_REJECTED,
  RIVYA_ERROR_TYPE_PREFIX,
  type CompensationOutcome,
  type FailureType,
  type GenerationFailureDetails,
} from './failures';
import { checkSora2Input, describeIssues, rivyaParams, type Sora2GenerationInput, type Sora2GenerationRequest, type SoraModel } from './input';
import { sora2PollNowSignal, sora2StatusQuery, type GenerationPhase, type GenerationStatus } from './messages';
import { expectedDurationMs, nextPollDelayMs, OVERDUE_AFTER_FACTOR } from './polling-schedule';
import { describeError, runCompensations, type RegisteredCompensation } from './saga';
import { RIVYA_MODEL, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from './search-attributes';

export interface Sora2GenerationResult {
  workflowId: string;
  status: 'succeeded';
  taskId: string;
  model: SoraModel;
  videoUrl: string;
  videoUrls: string[];
  credits: { reserved: number; final: number };
  reference: UploadedReference | null;
  polls: number;
  continuedAsNew: number;
  timings: { startedAt: string; taskCreatedAt: string; completedAt: string; totalMs: number; sinceTaskCreatedMs: number };
  metadata: Sora2GenerationRequest['metadata'];
}

/** Everything a run hands to the next one on continue-as-new. */
export interface Sora2CarriedState {
  startedAtMs: number;
  deadlineAtMs: number;
  reference: UploadedReference | null;
  task: TaskSnapshot | null;
  taskCreatedAtMs: number | null;
  polls: number;
  overduePolls: number;
  compensations: RegisteredCompensation[];
  continuedAsNew: number;
  lastError: string | null;
}

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** Explicit timeouts everywhere; `scheduleToCloseTimeout` bounds each activity's retries in total time. */
const ACTIVITY_OPTIONS = {
  upload: { startToCloseTimeout: '2m', scheduleToCloseTimeout: '10m', retry: RETRY },
  create: { startToCloseTimeout: '30s', scheduleToCloseTimeout: '10m', retry: RETRY },
  poll: { startToCloseTimeout: '20s', scheduleToCloseTimeout: '3m', retry: RETRY },
  compensate: { startToCloseTimeout: '1m', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 10 } },
} satisfies Record<string, ActivityOptions>;

function activities(options: ActivityOptions, summary: string): Sora2Activities {
  return proxyActivities<Sora2Activities>({ ...options, summary });
}

/** Thrown inside the run when the deadline passes; turned into GenerationTimedOut. */
class DeadlineReached extends Error {}

const TERMINAL = new Set(['succeeded', 'failed']);

export async function sora2Generation(input: Sora2GenerationInput, carried?: Sora2CarriedState): Promise<Sora2GenerationResult> {
  const info = workflowInfo();
  const checked = checkSora2Input(input);
  if (!checked.ok) {
    // Nothing has happened yet: no compensation to run, nothing paid.
    const details: GenerationFailureDetails = {
      reason: 'invalid-input',
      workflowId: info.workflowId,
      phase: 'validating',
      taskId: null,
      remoteError: null,
      credits: null,
      compensations: [],
      polls: 0,
      issues: checked.issues,
    };
    throw ApplicationFailure.create({
      type: FailureTypes.ValidationFailed,
      message: `invalid generation input: ${describeIssues(checked.issues)}`,
      nonRetryable: true,
      details: [details],
    });
  }
  return new GenerationRun(checked.value, input, carried).run();
}

class GenerationRun {
  private readonly workflowId = workflowInfo().workflowId;
  private readonly state: Sora2CarriedState;
  private phase: GenerationPhase = 'validating';
  private nextPollAt: number | null = null;
  private pollRequested = false;
  private reconciliation: CreditReconciliation | null = null;
  private readonly expectedMs: number;

  constructor(
    private readonly request: Sora2GenerationRequest,
    private readonly rawInput: Sora2GenerationInput,
    carried: Sora2CarriedState | undefined,
  ) {
    const now = Date.now();
    this.state = carried ?? {
      startedAtMs: now,
      deadlineAtMs: now + request.polling.deadlineMs,
      reference: null,
      task: null,
      taskCreatedAtMs: null,
      polls: 0,
      overduePolls: 0,
      compensations: [],
      continuedAsNew: 0,
      lastError: null,
    };
    this.expectedMs = expectedDurationMs(request.model, rivyaParams(request).n_frames!, request.polling);
    setHandler(sora2StatusQuery, () => this.status());
    setHandler(sora2PollNowSignal, () => {
      this.pollRequested = true;
    });
  }

  async run(): Promise<Sora2GenerationResult> {
    if (!this.state.task && this.state.continuedAsNew === 0) {
      this.registerPipelineCompensations('start');
      if (!workflowInfo().typedSearchAttributes.get(RIVYA_MODEL)) this.upsert([{ key: RIVYA_MODEL, value: this.request.model }]);
    }
    try {
      await this.uploadReference();
      await this.createTask();
      const final = await this.pollUntilTerminal();
      if (final.status === 'succeeded') return this.succeed(final);
      return await this.fail('failed', FailureTypes.GenerationFailed, `the generation task ${final.id} failed`, final.error);
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      if (isCancellation(err)) {
        return await this.fail('cancelled', FailureTypes.GenerationCancelled, this.cancelMessage(), null);
      }
      if (err instanceof DeadlineReached) {
        return await this.fail('timed-out', FailureTypes.GenerationTimedOut, `no result within ${this.request.polling.deadlineMs} ms`, null);
      }
      if (err instanceof ActivityFailure) return await this.failFromActivity(err);
      throw err;
    }
  }

  private async uploadReference(): Promise<void> {
    if (!this.request.reference || this.state.reference) return;
    this.enter('uploading-reference');
    this.state.reference = await activities(ACTIVITY_OPTIONS.upload, 'validate and upload the reference image').rivyaUploadReference({
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
    const { task } = await activities(ACTIVITY_OPTIONS.create, `create the ${this.request.model} task`).rivyaCreateGeneration({
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
    this.upsert([
      { key: RIVYA_TASK_ID, value: task.id },
      { key: RIVYA_TASK_STATUS, value: task.status },
    ]);
  }

  private async pollUntilTerminal(): Promise<TaskSnapshot> {
    this.enter('polling');
    let task = this.state.task!;
    while (!TERMINAL.has(task.status)) {
      if (workflowInfo().continueAsNewSuggested) await this.continueAsNew();
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
      // A durable timer that the pollNow signal can cut short.
      await condition(() => this.pollRequested, delay, { summary: `wait before status check #${this.state.polls + 1}` });
      this.nextPollAt = null;
      task = await this.poll(task);
      if (!TERMINAL.has(task.status) && Date.now() >= this.state.deadlineAtMs) throw new DeadlineReached();
    }
    return task;
  }

  private async poll(previous: TaskSnapshot): Promise<TaskSnapshot> {
    const pollNumber = this.state.polls + 1;
    let task: TaskSnapshot;
    try {
      task = await activities(ACTIVITY_OPTIONS.poll, `status check #${pollNumber}`).rivyaGetGeneration(previous.id);
    } catch (err) {
      // A transient outage that outlasted the poll's retry budget: waiting long is not failure,
      // so keep the schedule going. A non-retryable answer (key revoked, not found) ends the run.
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && !err.cause.nonRetryable) {
        this.state.polls = pollNumber;
        this.state.lastError = describeError(err);
        return previous;
      }
      throw err;
    }
    this.state.polls = pollNumber;
    this.state.lastError = null;
    if (Date.now() - this.state.taskCreatedAtMs! >= this.expectedMs * OVERDUE_AFTER_FACTOR) this.state.overduePolls += 1;
    this.state.task = task;
    // Search attributes cost a history event each: upsert on transitions only, not on every poll.
    if (task.status !== previous.status) this.upsert([{ key: RIVYA_TASK_STATUS, value: task.status }]);
    return task;
  }

  private async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    this.state.continuedAsNew += 1;
    return continueAsNew<typeof sora2Generation>(this.rawInput, this.state);
  }

  private succeed(task: TaskSnapshot): Sora2GenerationResult {
    this.enter('succeeded');
    const now = Date.now();
    return {
      workflowId: this.workflowId,
      status: 'succeeded',
      taskId: task.id,
      model: this.request.model,
      videoUrl: task.videoUrls[0]!,
      videoUrls: task.videoUrls,
      credits: { reserved: task.reservedCredits, final: task.finalCredits },
      reference: this.state.reference,
      polls: this.state.polls,
      continuedAsNew: this.state.continuedAsNew,
      timings: {
        startedAt: new Date(this.state.startedAtMs).toISOString(),
        taskCreatedAt: new Date(this.state.taskCreatedAtMs!).toISOString(),
        completedAt: new Date(now).toISOString(),
        totalMs: now - this.state.startedAtMs,
        sinceTaskCreatedMs: now - this.state.taskCreatedAtMs!,
      },
      metadata: this.request.metadata,
    };
  }

  private async failFromActivity(err: ActivityFailure): Promise<never> {
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const type = cause?.type ?? '';
    const message = cause?.message ?? describeError(err);
    if (type === REFERENCE_REJECTED || type === REFERENCE_DOWNLOAD_FAILED) {
      return this.fail('reference-rejected', FailureTypes.ValidationFailed, `reference rejected: ${message}`, {
        code: type,
        message,
      });
    }
    if (type.startsWith(RIVYA_ERROR_TYPE_PREFIX) && cause?.nonRetryable) {
      const code = type.slice(RIVYA_ERROR_TYPE_PREFIX.length);
      const failureType = code === 'validation_failed' ? FailureTypes.ValidationFailed : FailureTypes.GenerationRejected;
      return this.fail('rejected', failureType, `Rivya refused the request: ${message}`, { code, message });
    }
    // Retries exhausted on transient errors (timeouts, 5xx, 429s, network).
    return this.fail('rejected', FailureTypes.RivyaUnavailable, `Rivya unavailable: ${message}`, { code: type || 'unavailable', message });
  }

  private cancelMessage(): string {
    const task = this.state.task;
    if (!task) return 'cancelled before a generation task was created';
    return `cancelled; Rivya has no cancel endpoint, so task ${task.id} keeps running (last status ${task.status})`;
  }

  /** Runs the saga, then fails the workflow with a typed, detailed reason. */
  private async fail(
    reason: FailureReason,
    type: FailureType,
    message: string,
    remoteError: { code: string; message: string } | null,
  ): Promise<never> {
    this.enter('compensating');
    const compensations = await this.compensate(reason);
    const terminalPhase: GenerationPhase = reason === 'cancelled' ? 'cancelled' : reason === 'timed-out' ? 'timed-out' : 'failed';
    this.enter(terminalPhase);
    if (reason === 'cancelled' || reason === 'timed-out') {
      this.upsert([{ key: RIVYA_TASK_STATUS, value: reason === 'cancelled' ? 'workflow_cancelled' : 'workflow_timed_out' }]);
    }
    const details: GenerationFailureDetails = {
      reason,
      workflowId: this.workflowId,
      phase: terminalPhase,
      taskId: this.state.task?.id ?? null,
      remoteError,
      credits: this.reconciliation,
      compensations,
      polls: this.state.polls,
    };
    throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
  }

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
      const pipeline = proxyActivities<UntypedActivities>({ ...ACTIVITY_OPTIONS.compensate, summary: `compensation ${step.activity}` });
      await pipeline[step.activity]!(context, ...step.args);
    });
  }

  /**
   * Whether the reservation came back. After a cancel the run promises no further status calls,
   * so it reports the last polled state; otherwise it reads the task once more from Rivya.
   */
  private async reconcileCredits(taskId: string, reason: FailureReason): Promise<CreditReconciliation> {
    const task = this.state.task!;
    if (reason === 'cancelled') {
      const terminal = TERMINAL.has(task.status);
      return {
        taskId,
        status: task.status,
        reservedCredits: task.reservedCredits,
        finalCredits: task.finalCredits,
        refunded: terminal ? task.status === 'failed' && task.finalCredits === 0 : 'pending',
        source: 'last-known',
      };
    }
    return activities(ACTIVITY_OPTIONS.compensate, 'reconcile credits').rivyaReconcileCredits(taskId);
  }

  private registerPipelineCompensations(after: 'start' | 'reference-uploaded' | 'task-created'): void {
    for (const compensation of this.request.compensations) {
      if (compensation.after === after) this.state.compensations.push({ kind: 'pipeline', activity: compensation.activity, args: compensation.args });
    }
  }

  private upsert(pairs: SearchAttributeUpdatePair[]): void {
    if (this.request.searchAttributes) upsertSearchAttributes(pairs);
  }

  private enter(phase: GenerationPhase): void {
    this.phase = phase;
    this.publishDetails();
  }

  /** Markdown for the Temporal UI's "current details" (no history cost). */
  private publishDetails(): void {
    const task = this.state.task;
    const lines = [
      `**Phase:** ${this.phase}`,
      `**Model:** ${this.request.model}`,
      task ? `**Task:** \`${task.id}\` — ${task.status}` : '**Task:** not created yet',
      `**Status checks:** ${this.state.polls}`,
    ];
    if (this.nextPollAt !== null) lines.push(`**Next check:** ${new Date(this.nextPollAt).toISOString()}`);
    if (task) lines.push(`**Credits:** reserved ${task.reservedCredits}, final ${task.finalCredits}`);
    if (this.state.lastError) lines.push(`**Last error:** ${this.state.lastError}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  private status(): GenerationStatus {
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
