/**
 * Activity: before the paid create, can this worker save to the input's `save.to`? A definite no
 * (src/storage/check-save-target.ts says which) is a non-retryable SaveTargetUnusable, which the
 * workflow turns into ValidationFailed with nothing paid; an unconfirmed target is logged as a
 * warning and returned, and the run goes on.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { checkSaveTarget } from '../src/storage/check-save-target';
import {
  SAVE_TARGET_UNUSABLE_ERROR_TYPE,
  type CheckSaveTargetInput,
  type SaveTargetCheckResult,
} from '../workflows/common/activity-contract';

/** The refusal the run ends with (ValidationFailed, nothing paid); the dry run reports the same one. */
export function saveTargetUnusable(refusal: string): ApplicationFailure {
  return ApplicationFailure.create({ type: SAVE_TARGET_UNUSABLE_ERROR_TYPE, nonRetryable: true, message: refusal });
}

export function makeCheckSaveTarget(saveDirectory: string | undefined, s3Client: () => S3Client) {
  return async function rivyaCheckSaveTarget(input: CheckSaveTargetInput): Promise<SaveTargetCheckResult> {
    const readiness = await checkSaveTarget(input.to, { saveDirectory, s3Client });
    if (readiness.refusal !== null) throw saveTargetUnusable(readiness.refusal);
    for (const warning of readiness.warnings) Context.current().log.warn(warning, { to: input.to });
    return { warnings: readiness.warnings };
  };
}
