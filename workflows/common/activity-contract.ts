/**
 * The contract between the workflow and its activities: names, inputs and outputs. Only data
 * crosses it — ids, URLs and small snapshots, never file bytes or secrets.
 */
import type { LearnedQuantiles } from '../generation/eta';
import type { RefundState, TaskStatus } from '../../src/contract/task-status';
import { FailureTypes } from './failures';
import type { PollingOptions, Sora2Reference, SoraModel } from '../generation/input';
import type { Expectation } from '../generation/polling-schedule';

/** The slice of a Rivya task the workflow keeps: small, and free of anything secret. */
export interface TaskSnapshot {
  id: string;
  status: TaskStatus;
  reservedCredits: number;
  finalCredits: number;
  createdAt: string;
  updatedAt: string;
  videoUrls: string[];
  error: { code: string; message: string } | null;
}

export interface UploadReferenceInput {
  reference: Sora2Reference;
  model: SoraModel;
  /** Sent as the upload's client_request_id, for tracing. */
  workflowId: string;
  /** The input's `account`: whose key pays (absent: the worker's default key). A name, never the key. */
  account?: string;
}

export interface UploadedReference {
  fileId: string;
  url: string;
  mimeType: string;
  sizeBytes: number;
  name: string | null;
  expiresAt: string | null;
}

export interface CreateGenerationInput {
  model: SoraModel;
  prompt: string;
  params: Record<string, string>;
  reference?: { url: string; mimeType: string; name: string | null };
  /** The workflow id: both Idempotency-Key and client_request_id, so one id pays for one task. */
  idempotencyKey: string;
  /** The input's `polling.expectedDurationMs`, which wins over anything learned. */
  expectedDurationMs?: number;
  /** The input's `account`: whose key pays (absent: the worker's default key). A name, never the key. */
  account?: string;
}

export interface CreateGenerationOutput {
  task: TaskSnapshot;
  /** The server answered with the task a previous attempt had created (a lost response, retried). */
  replayed: boolean;
  /**
   * The worker's plan for waiting on this task. Absent in histories recorded before it existed:
   * those runs keep the timer loop and the built-in expectation, so they replay unchanged.
   */
  plan?: WaitPlan;
}

/** What only the worker knows, handed to the workflow through history so replays see the same. */
export interface WaitPlan {
  /** The worker's default for generations that don't say (RIVYA_WEBHOOKS / the plugin's `webhooks`). */
  webhooksByDefault: boolean;
  /** The schedule's expectation for this task when it was created (learned durations, if any). */
  expectation: Expectation;
  /**
   * A few quantiles of the learned durations for the ETA (generation/eta.ts); absent without
   * enough finished tasks, and in runs recorded before ETAs.
   */
  durations?: LearnedQuantiles;
}

/** The status activity that waits by retrying: one activity per wait, no history per check. */
export interface AwaitGenerationInput {
  taskId: string;
  model: SoraModel;
  nFrames: string;
  /** When the workflow saw the task created (epoch ms): the schedule counts from here. */
  taskCreatedAtMs: number;
  /** Checks already made before this activity (earlier waits, continue-as-new). */
  checksSoFar: number;
  polling: Pick<PollingOptions, 'firstCheckAfterMs' | 'minIntervalMs' | 'maxIntervalMs' | 'expectedDurationMs' | 'jitterFraction'>;
  /** Webhooks on: checks are a sparse safety net. */
  webhooks: boolean;
  /** The run's deadline (epoch ms): no wait past it. */
  deadlineAtMs: number;
  jitterKey: string;
  /** The input's `account`: whose key pays (absent: the worker's default key). A name, never the key. */
  account?: string;
}

export interface AwaitGenerationOutput {
  /** The task, terminal. */
  task: TaskSnapshot;
  /** Status reads this activity made (its first attempt only schedules the first check). */
  checks: number;
}

/** The benign "not finished yet" failure of rivyaAwaitGeneration: its retry is the next check. */
export const TASK_NOT_FINISHED_ERROR_TYPE = 'RivyaTaskNotFinished';

export interface CreditReconciliation {
  taskId: string;
  status: TaskStatus;
  reservedCredits: number;
  finalCredits: number;
  /** Whether the reservation came back: true/false once terminal, 'pending' while the task runs. */
  refunded: RefundState;
  /** 'api' when read from Rivya now, 'last-known' when taken from the last poll. */
  source: 'api' | 'last-known';
}

/** First argument of every pipeline compensation activity. */
export interface CompensationContext {
  workflowId: string;
  reason: FailureReason;
  taskId: string | null;
  metadata: Record<string, string | number | boolean>;
}

export type FailureReason =
  | 'failed'
  | 'timed-out'
  | 'cancelled'
  | 'rejected'
  | 'reference-rejected'
  | 'save-target-rejected'
  // The approval gate (generation/approval.ts): refused or not decided in time, before anything was paid.
  | 'approval-rejected'
  | 'approval-timed-out';

/** At the start of a run that names an account: does this worker have its key? */
export interface CheckAccountInput {
  /** The input's `account`. */
  account: string;
}

/** Before the create: can this worker save to the input's `save.to`? */
export interface CheckSaveTargetInput {
  /** The input's `save.to`. */
  to: string;
}

/** The target may be usable: what could not be confirmed (a 403 from HeadBucket, storage unreachable), if anything. */
export interface SaveTargetCheckResult {
  warnings: string[];
}

/** Save a succeeded task's video (`save.to`): streamed from its URL by the worker, never through history. */
export interface SaveResultInput {
  /** Names the saved file or object (`<workflow id, percent-encoded>.mp4`): a retry finds what an earlier attempt saved. */
  workflowId: string;
  taskId: string;
  videoUrl: string;
  /** The input's `save.to`: a directory relative to the worker's save root, or `s3://bucket/prefix`. */
  to: string;
}

/** Where the video was saved and what was saved: checked bytes, never the bytes themselves. */
export interface SavedVideo {
  /** `s3://bucket/key`, or the file's path on the worker. */
  location: string;
  bytes: number;
  /** From the bytes' signature: video/mp4 or video/quicktime. */
  contentType: string;
  /** Hex SHA-256 of the saved bytes. */
  sha256: string;
}

/** rivyaSaveResult's refusal no retry can fix (URL refused, not a video, over the size cap, target unusable). */
export const RESULT_SAVE_REJECTED_ERROR_TYPE = 'ResultSaveRejected';
/**
 * rivyaCheckSaveTarget's refusal: this worker cannot save to the target (no save root, an
 * unwritable directory, no AWS region or credentials, no such bucket). The run fails as
 * ValidationFailed before the create: nothing is paid for.
 */
export const SAVE_TARGET_UNUSABLE_ERROR_TYPE = 'SaveTargetUnusable';
/** rivyaSaveResult's transient failure (the media host or the storage failing): retried by the policy. */
export const RESULT_SAVE_FAILED_ERROR_TYPE = 'ResultSaveFailed';
/**
 * The workflow's failure type when the task succeeded (and was paid for) but its video could not be
 * saved: no saga runs (nothing to undo), and the details carry the video URL to fetch it by hand.
 */
export const RESULT_NOT_SAVED = FailureTypes.ResultNotSaved;

export interface Sora2Activities {
  rivyaUploadReference(input: UploadReferenceInput): Promise<UploadedReference>;
  rivyaCreateGeneration(input: CreateGenerationInput): Promise<CreateGenerationOutput>;
  /** `account` is passed only by runs that name one: earlier histories hold the one-argument call. */
  rivyaGetGeneration(taskId: string, account?: string): Promise<TaskSnapshot>;
  rivyaAwaitGeneration(input: AwaitGenerationInput): Promise<AwaitGenerationOutput>;
  rivyaReconcileCredits(taskId: string, account?: string): Promise<CreditReconciliation>;
  rivyaSaveResult(input: SaveResultInput): Promise<SavedVideo>;
  rivyaCheckSaveTarget(input: CheckSaveTargetInput): Promise<SaveTargetCheckResult>;
  /** Does this worker have a key for the run's account? Throws UnknownAccount (non-retryable) if not. No Rivya call. */
  rivyaCheckAccount(input: CheckAccountInput): Promise<void>;
}

export const SORA2_ACTIVITY_NAMES: readonly (keyof Sora2Activities)[] = [
  'rivyaUploadReference',
  'rivyaCreateGeneration',
  'rivyaGetGeneration',
  'rivyaAwaitGeneration',
  'rivyaReconcileCredits',
  'rivyaSaveResult',
  'rivyaCheckSaveTarget',
  'rivyaCheckAccount',
];
