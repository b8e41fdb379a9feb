/**
 * How the generation calls its activities: timeouts and retries for each kind of call, and the
 * label each call shows in the Temporal UI. Workflow-safe.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Sora2Activities } from '../common/activity-contract';

/** The failure type the TS worker reports for an activity type it has not registered (@temporalio/worker). */
const UNREGISTERED_ACTIVITY_ERROR_TYPE = 'NotFoundError';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/**
 * Explicit timeouts everywhere; `scheduleToCloseTimeout` bounds each activity's retries in total
 * time and `maximumAttempts` in count (except the wait, bounded by its deadline). Errors no retry can fix are non-retryable at the source;
 * the attempt cap is the safety net for one that is misclassified. The paid create keeps the most
 * attempts: after a lost response, only a retry with the same Idempotency-Key recovers the task.
 */
export const ACTIVITY_OPTIONS = {
  upload: { startToCloseTimeout: '2m', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 8 } },
  create: { startToCloseTimeout: '30s', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 20 } },
  poll: { startToCloseTimeout: '20s', scheduleToCloseTimeout: '3m', retry: { ...RETRY, maximumAttempts: 10 } },
  compensate: { startToCloseTimeout: '1m', scheduleToCloseTimeout: '10m', retry: { ...RETRY, maximumAttempts: 10 } },
  /**
   * The wait by retries (rivyaAwaitGeneration): its own schedule sets each "not finished" retry's
   * delay; RETRY's back-off applies only to real errors (Rivya unreachable). Bounded by the
   * deadline alone (scheduleToCloseTimeout, set per wait): no attempt cap, since a cap the
   * deadline never reaches only reads as "attempt 2 of 3610" on a healthy wait.
   */
  await: { startToCloseTimeout: '20s', retry: RETRY },
  /**
   * A pipeline's own undo step. `NotFoundError` is what the TypeScript worker throws (retryable!)
   * for an activity type it has not registered: no retry registers it, so fail at once.
   */
  pipelineCompensate: {
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '10m',
    retry: { ...RETRY, maximumAttempts: 10, nonRetryableErrorTypes: [UNREGISTERED_ACTIVITY_ERROR_TYPE] },
  },
  /**
   * The save target's check before the create: a local probe and one HeadBucket, bounded by the
   * check's own timeout (15 s); its answer is definite or a warning, so a retry is for a lost worker.
   * An activity worker too old to have it fails it at once (the workflow then goes on unchecked).
   */
  checkSaveTarget: {
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '3m',
    retry: { ...RETRY, maximumAttempts: 3, nonRetryableErrorTypes: [UNREGISTERED_ACTIVITY_ERROR_TYPE] },
  },
  /**
   * The account's check at the start (a run with `account`): a lookup in the worker's configuration
   * or its key provider, no Rivya call. A provider's passing fault is retried a little; an activity
   * worker too old to have it fails it at once (the upload or the create then refuses the name).
   */
  checkAccount: {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '2m',
    retry: { ...RETRY, maximumAttempts: 5, nonRetryableErrorTypes: [UNREGISTERED_ACTIVITY_ERROR_TYPE] },
  },
  /**
   * Saving the video (`save.to`): a long stream, so a short heartbeat timeout finds a killed worker
   * quickly; a retry finds a finished save by its name, or starts the stream over cleanly.
   */
  save: { startToCloseTimeout: '30m', heartbeatTimeout: '20s', scheduleToCloseTimeout: '1h', retry: { ...RETRY, maximumAttempts: 5 } },
} satisfies Record<string, ActivityOptions>;

/** The activities, labelled with what this call does (shown in the Temporal UI). */
export function activitiesWithSummary(options: ActivityOptions, summary: string): Sora2Activities {
  return proxyActivities<Sora2Activities>({ ...options, summary });
}
