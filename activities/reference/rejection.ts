import { ApplicationFailure } from '@temporalio/common';
import { REFERENCE_DOWNLOAD_FAILED, REFERENCE_REJECTED } from '../../workflows/common/failures';

/** Bad reference (type, size, structure, path, URL): a retry can't fix it, and nothing was paid. */
export function referenceRejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: REFERENCE_REJECTED, message, nonRetryable: true });
}

/** The reference's host failed in a way that may pass (5xx, reset): retried by the activity policy. */
export function referenceDownloadFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: REFERENCE_DOWNLOAD_FAILED, message, nonRetryable: false });
}
