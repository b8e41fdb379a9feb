/**
 * The run's `account` as its activities receive it. A run that names none calls them exactly as
 * before accounts existed (no field, no extra argument), so recorded histories replay unchanged and
 * such runs pay with the worker's default key. Workflow-safe.
 */
import { ActivityFailure, log, patched } from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { ACCOUNT_KEY_UNAVAILABLE, UNKNOWN_ACCOUNT } from '../common/failures';
import { PATCH_CHECK_ACCOUNT } from '../compat';
import { ACTIVITY_OPTIONS, activitiesWithSummary } from './activity-options';
import { describeError } from './failure-classification';

/** `{ account }` for a run that names one, else nothing: spread into an activity's input object. */
export function accountField(request: { account?: string }): { account?: string } {
  return request.account === undefined ? {} : { account: request.account };
}

/** The trailing `account` argument of the positional activities (status read, reconcile, wallet). */
export function accountArgs(request: { account?: string }): [] | [string] {
  return request.account === undefined ? [] : [request.account];
}

/**
 * A run that names an account asks the worker for its key before anything else (behind
 * PATCH_CHECK_ACCOUNT): an unknown name ends the run as UnknownAccount before the save-target check,
 * the upload, an approval or a budget lease. Any other failure of the check (a worker without the
 * activity) is logged and the run goes on: the upload and the create refuse an unknown name anyway.
 */
export async function checkAccountBeforePaying(account: string | undefined, taskExists: boolean): Promise<void> {
  if (account === undefined || taskExists || !patched(PATCH_CHECK_ACCOUNT)) return;
  try {
    await activitiesWithSummary(ACTIVITY_OPTIONS.checkAccount, `check the account ${account}`).rivyaCheckAccount({ account });
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const definite =
      cause !== undefined && (cause.type === UNKNOWN_ACCOUNT || (cause.type === ACCOUNT_KEY_UNAVAILABLE && cause.nonRetryable));
    if (definite || !(err instanceof ActivityFailure)) throw err;
    log.warn('the account could not be checked at the start; going on', { account, error: describeError(err) });
  }
}
