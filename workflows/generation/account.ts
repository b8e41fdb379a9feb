/**
 * The run's `account` as its activities receive it. A run that names none calls them exactly as
 * before accounts existed (no field, no extra argument), so recorded histories replay unchanged and
 * such runs pay with the worker's default key. Workflow-safe.
 */

/** `{ account }` for a run that names one, else nothing: spread into an activity's input object. */
export function accountField(request: { account?: string }): { account?: string } {
  return request.account === undefined ? {} : { account: request.account };
}

/** The trailing `account` argument of the positional activities (status read, reconcile, wallet). */
export function accountArgs(request: { account?: string }): [] | [string] {
  return request.account === undefined ? [] : [request.account];
}
