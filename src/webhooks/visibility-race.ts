/**
 * An event for a task no workflow claims (yet). The workflow records the task id in the
 * `RivyaTaskId` search attribute right after its create activity returns, and visibility is
 * eventually consistent; a fast task's `generation.succeeded` can therefore arrive before the
 * owner is findable. The receiver cannot tell "not visible yet" from "not ours" by looking, so it
 * decides by the task's age:
 *
 * - created less than `graceMs` ago → **409 + Retry-After** (`not-yet-visible`): Rivya redelivers
 *   (5 s, 30 s, 2 min, … — S10), and a redelivery after the upsert becomes visible is signalled.
 * - older → **200** (`unknown-task`): redelivery stops.
 *
 * Why answering 200 for a task that *is* ours (its upsert later than the grace, e.g. the create
 * activity's answer was lost and its retry came minutes later) is safe: the webhook is only a
 * shortcut. Every waiting workflow keeps its safety-net status checks (workflows/polling-schedule.ts
 * `safetyNetDelayMs`: the first at twice the expected duration, then every E/2 within the polling
 * interval bounds, until the deadline), and the status endpoint returns the same task the event
 * carried (S10: "the task object exactly as GET /generations/{taskId} returns it"). So a dropped
 * event costs latency — at most the next safety-net check — never a result, credits or correctness.
 * And a workflow started with `searchAttributes: false` never becomes findable at all; it waits by
 * its checks alone, exactly as it would without webhooks.
 *
 * Why the 409s are bounded: only events of tasks younger than the grace get them, so one event
 * costs at most the few redeliveries that fit in the window (with S10's schedule and the 2-minute
 * default: the first delivery and the 5 s and 30 s retries) — not enough consecutive failures to
 * get the endpoint disabled, and no forever-retried event for a task that is not ours. A task
 * whose `created_at` lies further in the future than the grace (a broken clock) is treated as old:
 * an unbounded stream of 409s is worse than a late safety-net check.
 */

export type UnknownTaskVerdict = 'not-yet-visible' | 'unknown-task';

export function unknownTaskVerdict(taskCreatedAt: string, nowMs: number, graceMs: number): { verdict: UnknownTaskVerdict; ageMs: number } {
  const ageMs = nowMs - Date.parse(taskCreatedAt);
  // NaN (an unparsable time; the envelope schema refuses those) compares false: treated as old.
  const fresh = Math.abs(ageMs) < graceMs;
  return { verdict: fresh ? 'not-yet-visible' : 'unknown-task', ageMs };
}
