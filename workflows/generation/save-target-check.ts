/**
 * `save.to` set: before anything is paid for, the worker checks it can save there. A definite no
 * (SaveTargetUnusable) ends the run as ValidationFailed with no task; anything else that fails the
 * check (a worker without this activity, one lost) is logged, and the run goes on: the check spares
 * a payment, it never blocks a save that might work. Behind a patch: runs recorded without it
 * created their task first. Workflow-safe.
 */
import { ActivityFailure, log, patched } from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { SAVE_TARGET_UNUSABLE_ERROR_TYPE } from '../common/activity-contract';
import { PATCH_CHECK_SAVE_TARGET } from '../compat';
import { ACTIVITY_OPTIONS, activitiesWithSummary } from './activity-options';
import { describeError } from './failure-classification';
import type { Sora2GenerationRequest } from './input';

/** Runs the check unless there is nothing to save or the task already exists (a later run). */
export async function checkSaveTargetBeforePaying(save: Sora2GenerationRequest['save'], taskExists: boolean): Promise<void> {
  if (!save || taskExists || !patched(PATCH_CHECK_SAVE_TARGET)) return;
  try {
    await activitiesWithSummary(ACTIVITY_OPTIONS.checkSaveTarget, `check the save target ${save.to}`).rivyaCheckSaveTarget({ to: save.to });
  } catch (err) {
    const refused =
      err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === SAVE_TARGET_UNUSABLE_ERROR_TYPE;
    if (refused || !(err instanceof ActivityFailure)) throw err;
    log.warn('the save target could not be checked before the create; going on', { to: save.to, error: describeError(err) });
  }
}
