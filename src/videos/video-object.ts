/**
 * The OpenAI `Video` object of a generation, from what Temporal knows: the run's status (describe
 * or a list entry), its memo (what the caller asked for), the `sora2Status` query while it runs, and
 * its failure once it failed. status: queued → in_progress → completed | failed, as the official
 * clients poll for; progress from the run's ETA (learned durations) when it has one, else from its
 * expected duration, else coarse steps.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { generationFailureOf } from '../client/generation-failure';
import { etaAt } from '../../workflows/generation/eta';
import type { GenerationStatus } from '../../workflows/generation/messages';
import type { VideoSecondsAccepted, VideoSizeAccepted } from './mapping';

/** Memo key of what the caller asked for, in OpenAI's terms (the input holds Rivya's). */
/** What a Video is made from: a describe() answer or a list entry alike. */
export type RunInfo = Pick<WorkflowExecutionInfo, 'workflowId' | 'status' | 'startTime' | 'closeTime' | 'memo'>;

export const VIDEO_MEMO_KEY = 'openaiVideo';

export interface VideoMemo {
  prompt: string;
  seconds: VideoSecondsAccepted;
  size: VideoSizeAccepted;
  /** Unix seconds of the create (kept across continue-as-new, unlike a run's start time). */
  created_at: number;
}

export type VideoStatus = 'queued' | 'in_progress' | 'completed' | 'failed';

/** OpenAI's Video object (the fields its clients read). */
export interface VideoObject {
  id: string;
  object: 'video';
  model: 'sora-2';
  status: VideoStatus;
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string | null;
  seconds: string;
  size: string;
  remixed_from_video_id: string | null;
  error: { code: string; message: string } | null;
}

const STATUS_QUERY = 'sora2Status';
/** A query waits for a worker: one that does not answer in this long leaves the coarse status. */
const QUERY_TIMEOUT_MS = 3_000;
const MAX_ERROR_MESSAGE_CHARS = 1_000;

export function videoMemoOf(memo: Record<string, unknown> | undefined): VideoMemo | undefined {
  const value = memo?.[VIDEO_MEMO_KEY] as Partial<VideoMemo> | undefined;
  if (!value || typeof value.prompt !== 'string' || typeof value.seconds !== 'string' || typeof value.size !== 'string') return undefined;
  return value as VideoMemo;
}

/** queued/in_progress and a percentage from the run's live status. */
export function progressOf(status: GenerationStatus, nowMs: number): { status: VideoStatus; progress: number } {
  switch (status.phase) {
    case 'validating':
    case 'uploading-reference':
    case 'creating-task':
      return { status: 'queued', progress: 0 };
    case 'saving':
      return { status: 'in_progress', progress: 95 };
    case 'succeeded':
      return { status: 'in_progress', progress: 99 };
    default:
      break;
  }
  // No task at Rivya yet (or a phase this code does not know, e.g. waiting for an approval): queued.
  if (status.remoteStatus === null || status.remoteStatus === undefined) return { status: 'queued', progress: 0 };
  if (status.remoteStatus === 'queued') return { status: 'queued', progress: 1 };
  // The run's ETA from learned durations (recomputed for now), when it has one.
  const eta = status.eta ? etaAt(status.eta, nowMs) : undefined;
  if (eta?.kind === 'estimate' && eta.progressPercent !== null)
    return { status: 'in_progress', progress: Math.max(5, Math.min(90, eta.progressPercent)) };
  // Else the run's expected duration (defaults by model and n_frames) over the time since it started.
  const expected = status.completion?.expectedDurationMs;
  if (expected && expected > 0) {
    const elapsed = nowMs - Date.parse(status.startedAt);
    return { status: 'in_progress', progress: Math.max(5, Math.min(90, Math.round((90 * elapsed) / expected))) };
  }
  return { status: 'in_progress', progress: 50 };
}

/** `GenerationFailed` → `generation_failed`: OpenAI's codes are snake_case. */
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

async function failureOf(client: Client, id: string): Promise<{ code: string; message: string }> {
  const outcome = await client.workflow
    .getHandle(id)
    .result()
    .then(
      () => undefined,
      (err: unknown) => generationFailureOf(err),
    );
  if (!outcome) return { code: 'generation_failed', message: 'the generation did not complete' };
  const code = outcome.details?.remoteError?.code ?? snake(outcome.type);
  return { code: code.slice(0, 100), message: outcome.message.slice(0, MAX_ERROR_MESSAGE_CHARS) };
}

const unixSeconds = (date: Date | undefined) => (date ? Math.floor(date.getTime() / 1000) : null);

/** The Video of one run (describe() or a list entry); undefined when the run is not one of ours. */
export async function videoObjectOf(client: Client, info: RunInfo, nowMs = Date.now()): Promise<VideoObject | undefined> {
  const memo = videoMemoOf(info.memo);
  if (!memo) return undefined;
  const base = {
    id: info.workflowId,
    object: 'video' as const,
    model: 'sora-2' as const,
    created_at: memo.created_at ?? unixSeconds(info.startTime)!,
    expires_at: null,
    prompt: memo.prompt,
    seconds: memo.seconds,
    size: memo.size,
    remixed_from_video_id: null,
  };
  switch (info.status.name) {
    case 'COMPLETED':
      return { ...base, status: 'completed', progress: 100, completed_at: unixSeconds(info.closeTime), error: null };
    case 'RUNNING': {
      const live = await withQueryTimeout(client.workflow.getHandle(info.workflowId).query<GenerationStatus>(STATUS_QUERY))
        .then((status) => progressOf(status, nowMs))
        .catch(() => ({ status: 'queued' as const, progress: 0 }));
      return { ...base, ...live, completed_at: null, error: null };
    }
    case 'CONTINUED_AS_NEW':
      // A list entry of an earlier run: the latest run says more.
      return { ...base, status: 'in_progress', progress: 50, completed_at: null, error: null };
    default:
      return {
        ...base,
        status: 'failed',
        progress: 0,
        completed_at: unixSeconds(info.closeTime),
        error: await failureOf(client, info.workflowId),
      };
  }
}

// The query can wait long for a worker; bounded here.
export function withQueryTimeout<T>(promise: Promise<T>, ms = QUERY_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
