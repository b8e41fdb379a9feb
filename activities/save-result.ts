/**
 * Activity: save a succeeded task's video (`save.to`) to a directory under the worker's save root
 * or to S3-compatible storage. The bytes stream from the result URL (SSRF-guarded) through the
 * checks (MP4/QuickTime signature, size cap, SHA-256) into the sink; only where and what was saved
 * returns to the workflow. Idempotent: the file or object is named after the workflow id, and a
 * retry that finds the complete save of this task returns it without downloading again.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { saveToDirectory } from '../src/storage/directory-sink';
import { SaveTargetRejectedError } from '../src/storage/errors';
import { loadS3Storage } from '../src/storage/s3-loader';
import type { SinkResult } from '../src/storage/saved';
import { parseSaveTarget, savedFileName } from '../src/contract/save-target';
import { VideoRejectedError } from '../src/storage/video-inspector';
import {
  RESULT_SAVE_FAILED_ERROR_TYPE,
  RESULT_SAVE_REJECTED_ERROR_TYPE,
  type SavedVideo,
  type SaveResultInput,
} from '../workflows/common/activity-contract';
import { displayResultUrl, openResultVideo, ResultUrlRejectedError } from './result-download';
import type { ReferenceUrlPolicy } from './reference/url-guard';

/** Default size cap of a saved video: far above a 25 s 1080p clip, far below the disk or a single S3 copy. */
export const DEFAULT_MAX_SAVED_VIDEO_BYTES = 2 * 1024 * 1024 * 1024;
/** How often the activity heartbeats (its heartbeatTimeout is 20 s). */
const HEARTBEAT_EVERY_MS = 2_000;
/** No byte moving for this long (host or storage stuck) fails the attempt; the retry starts over. */
export const SAVE_STALL_TIMEOUT_MS = 60_000;

export interface SaveSettings {
  /** Directory targets are created below this root only (RIVYA_SAVE_DIR). Unset: directory targets are refused. */
  saveDirectory?: string;
  /** Path-style S3 addressing (RIVYA_S3_FORCE_PATH_STYLE): S3-compatible servers on host:port need it. */
  s3ForcePathStyle?: boolean;
  /** A ready client (custom credentials or transport); default: one from the AWS chain, made at the first S3 save. */
  s3Client?: S3Client;
  /** Cap on a saved video's size (RIVYA_SAVE_MAX_BYTES). */
  maxBytes?: number;
  /** The result URL's guard: the worker's reference URL policy. */
  urlPolicy?: ReferenceUrlPolicy;
}

function rejected(message: string, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: RESULT_SAVE_REJECTED_ERROR_TYPE, nonRetryable: true, message, cause: cause as Error });
}

class SaveStalledError extends Error {}

/** S3 answers that no retry fixes: 4xx (no such bucket, access denied, bad request) but throttling and timeouts. */
function isPermanentStorageError(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return true;
  // The AWS chain found no credentials or no region: the worker's configuration, not an outage.
  const name = (err as Error)?.name;
  return name === 'CredentialsProviderError' || /Region is missing/i.test((err as Error)?.message ?? '');
}

/** The failure the workflow sees: permanent refusals are non-retryable, everything else retries from scratch. */
function classify(err: unknown, stalled: boolean): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof VideoRejectedError || err instanceof SaveTargetRejectedError || err instanceof ResultUrlRejectedError) {
    return rejected(err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (isPermanentStorageError(err)) return rejected(`storage refused the save: ${(err as Error).name}: ${message}`);
  if (stalled) return ApplicationFailure.retryable(`no progress for ${SAVE_STALL_TIMEOUT_MS} ms`, RESULT_SAVE_FAILED_ERROR_TYPE);
  return ApplicationFailure.retryable(`saving failed: ${message}`, RESULT_SAVE_FAILED_ERROR_TYPE);
}

/**
 * Heartbeats with the bytes saved so far, every couple of seconds whatever the phase (a server-side
 * copy moves no bytes here), and aborts the attempt when no byte moved for the stall timeout.
 */
function watchProgress(context: Context, abort: (reason: Error) => void) {
  let bytes = 0;
  let movedAt = Date.now();
  let stalled = false;
  const beat = () => {
    context.heartbeat({ bytes });
    if (!stalled && Date.now() - movedAt > SAVE_STALL_TIMEOUT_MS) {
      stalled = true;
      abort(new SaveStalledError());
    }
  };
  beat();
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
  return {
    progress(now: number) {
      bytes = now;
      movedAt = Date.now();
    },
    /** Phases that move no bytes by design (listing, copying) restart the stall clock. */
    phase() {
      movedAt = Date.now();
    },
    get stalled() {
      return stalled;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * The worker's S3 client: the given one, or one from the AWS chain made on first use (the SDK
 * loads then). Shared by the save and the check before the create, so both see the same chain.
 */
export function lazyS3Client(settings: SaveSettings): () => S3Client {
  let s3 = settings.s3Client;
  return () => (s3 ??= loadS3Storage().createS3Client({ forcePathStyle: settings.s3ForcePathStyle }));
}

export function makeSaveResult(settings: SaveSettings = {}, s3Client: () => S3Client = lazyS3Client(settings)) {
  const maxBytes = settings.maxBytes ?? DEFAULT_MAX_SAVED_VIDEO_BYTES;

  return async function rivyaSaveResult(input: SaveResultInput): Promise<SavedVideo> {
    const context = Context.current();
    const parsed = parseSaveTarget(input.to);
    if (!parsed.ok) throw rejected(`save.to: ${parsed.message}`);
    const target = parsed.target;
    if (target.kind === 'directory' && settings.saveDirectory === undefined) {
      throw rejected('save.to: this worker saves to directories only when RIVYA_SAVE_DIR is set (or use s3://bucket/prefix)');
    }

    const controller = new AbortController();
    const onCancel = () => controller.abort(context.cancellationSignal.reason);
    context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    const watch = watchProgress(context, (reason) => controller.abort(reason));
    const request = {
      fileName: savedFileName(input.workflowId),
      attempt: context.info.attempt,
      maxBytes,
      open: () => openResultVideo(input.videoUrl, settings.urlPolicy ?? {}, controller.signal),
      onProgress: (bytes: number) => watch.progress(bytes),
      signal: controller.signal,
    };
    let saved: SinkResult;
    try {
      if (target.kind === 'directory') {
        saved = await saveToDirectory(settings.saveDirectory!, target.path, input.taskId, request);
      } else {
        const { saveToS3 } = loadS3Storage();
        const s3 = s3Client();
        watch.phase();
        saved = await saveToS3(s3, { bucket: target.bucket, prefix: target.prefix }, input.taskId, request);
      }
    } catch (err) {
      // A cancelled activity reports its cancellation, not the abort it caused downstream.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
      throw classify(err, watch.stalled);
    } finally {
      watch.stop();
      context.cancellationSignal.removeEventListener('abort', onCancel);
    }
    context.log.info(saved.reused ? 'result already saved' : 'result saved', {
      location: saved.location,
      bytes: saved.bytes,
      sha256: saved.sha256,
      from: displayResultUrl(input.videoUrl),
    });
    return { location: saved.location, bytes: saved.bytes, contentType: saved.contentType, sha256: saved.sha256 };
  };
}
