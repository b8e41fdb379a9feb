/**
 * Activity: save a succeeded task's video to a directory or S3-compatible storage (`save.to`).
 * Placeholder while the sinks land: refuses every save, so a workflow asking for one fails loudly.
 */
import { ApplicationFailure } from '@temporalio/common';
import { RESULT_SAVE_REJECTED_ERROR_TYPE, type SavedVideo, type SaveResultInput } from '../workflows/activity-contract';

export function makeSaveResult() {
  return async function rivyaSaveResult(input: SaveResultInput): Promise<SavedVideo> {
    throw ApplicationFailure.create({
      type: RESULT_SAVE_REJECTED_ERROR_TYPE,
      nonRetryable: true,
      message: `saving results is not available on this worker yet (save.to ${input.to})`,
    });
  };
}
