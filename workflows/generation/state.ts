/**
 * What a generation remembers between steps — and hands to the next run on continue-as-new — and
 * the result it returns when the task succeeds.
 */
import type { SavedVideo, TaskSnapshot, UploadedReference, WaitPlan } from '../common/activity-contract';
import { rivyaParams, type Sora2GenerationRequest, type SoraModel } from './input';
import type { RegisteredCompensation } from '../common/saga';
import { emptyInbox, type WebhookInboxState } from './webhook-inbox';
import type { ApprovalDecision } from './approval-input';

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
  /** The worker's wait plan from the create activity; absent in runs recorded before it existed. */
  plan?: WaitPlan | null;
  /** Webhook events seen; absent in runs recorded before webhooks. */
  inbox?: WebhookInboxState;
  /** An operator's changes to the polling (setPolling Update); absent until one is made. */
  pollingOverrides?: { minIntervalMs?: number; maxIntervalMs?: number; webhooks?: boolean };
  /** The approval gate's decision (approval.ts); absent for inputs without `approval`. */
  approval?: ApprovalDecision | null;
}

/** How the run learned that the task ended. */
export type CompletedBy = 'webhook' | 'poll';

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
  /** Whether a signed webhook or a status check told the run that the task succeeded. */
  completedBy: CompletedBy;
  continuedAsNew: number;
  timings: { startedAt: string; taskCreatedAt: string; completedAt: string; totalMs: number; sinceTaskCreatedMs: number };
  /**
   * How long the task took on Rivya's clock (its created_at → updated_at) and for which n_frames:
   * a fresh worker seeds its duration learner from these on closed runs (a warm start).
   * Absent on results of older versions.
   */
  rivyaDuration?: { nFrames: string; createdAt: string; updatedAt: string };
  metadata: Sora2GenerationRequest['metadata'];
  /** Where the video was saved (`save.to`); null when the input asked for no save. */
  saved: SavedVideo | null;
}

/** The state of a generation's first run: nothing done yet, the deadline counted from now. */
export function initialState(request: Sora2GenerationRequest, nowMs: number): Sora2CarriedState {
  return {
    startedAtMs: nowMs,
    deadlineAtMs: nowMs + request.polling.deadlineMs,
    reference: null,
    task: null,
    taskCreatedAtMs: null,
    polls: 0,
    overduePolls: 0,
    compensations: [],
    continuedAsNew: 0,
    lastError: null,
    plan: null,
    inbox: emptyInbox(),
  };
}

/** The result of a succeeded task; `state` must have a created task (taskCreatedAtMs set). */
export function successResultOf(
  workflowId: string,
  request: Sora2GenerationRequest,
  state: Sora2CarriedState,
  task: TaskSnapshot,
  completedBy: CompletedBy,
  nowMs: number,
  saved: SavedVideo | null = null,
): Sora2GenerationResult {
  return {
    workflowId,
    status: 'succeeded',
    taskId: task.id,
    model: request.model,
    videoUrl: task.videoUrls[0]!,
    videoUrls: task.videoUrls,
    credits: { reserved: task.reservedCredits, final: task.finalCredits },
    reference: state.reference,
    polls: state.polls,
    completedBy,
    continuedAsNew: state.continuedAsNew,
    timings: {
      startedAt: new Date(state.startedAtMs).toISOString(),
      taskCreatedAt: new Date(state.taskCreatedAtMs!).toISOString(),
      completedAt: new Date(nowMs).toISOString(),
      totalMs: nowMs - state.startedAtMs,
      sinceTaskCreatedMs: nowMs - state.taskCreatedAtMs!,
    },
    rivyaDuration: { nFrames: rivyaParams(request).n_frames ?? '10', createdAt: task.createdAt, updatedAt: task.updatedAt },
    metadata: request.metadata,
    saved,
  };
}
