/**
 * Temporal Cloud bills Actions, not history events: an estimate of a generation's billable Actions
 * read from its history, by the rules of Temporal Cloud's documentation ("Temporal Cloud Actions",
 * ACTIONS_SOURCE). An estimate because the documentation says history does not map 1:1 to Actions
 * (queries, heartbeats and a retry still in progress leave no event), and this dev server is not
 * Temporal Cloud.
 */
import type { temporal } from '@temporalio/proto';

export const ACTIONS_SOURCE = 'https://docs.temporal.io/cloud/actions';

/** The rules applied, for the report (one line each, as the documentation states them). */
export const ACTIONS_RULES = [
  'workflow started: 1 (WorkflowExecutionStarted; a continue-as-new run counts its own start)',
  'activity scheduled: 1, plus 1 per retry, taken from the attempt of its ActivityTaskStarted event minus 1 (retries write no events of their own)',
  'timer started: 1; signal received: 1; signal sent to another workflow: 1; search attributes upserted: 1 per command',
  'child workflow start initiated: 2; update accepted or rejected: 1; workflow options updated: 1',
  'markers (local activities): 1 per workflow task that records any, plus their non-first attempts from the metering metadata',
];

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Billable Actions of one run's history (an estimate: see the module comment). */
export function estimateActions(events: readonly HistoryEvent[]): number {
  let actions = 0;
  const markerTasks = new Set<string>();
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) actions += 1;
    if (e.activityTaskScheduledEventAttributes) actions += 1;
    // The started event of an activity is written once, when its last attempt ends: `attempt` counts them all.
    if (e.activityTaskStartedEventAttributes) actions += Math.max(0, (e.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
    if (e.timerStartedEventAttributes) actions += 1;
    if (e.workflowExecutionSignaledEventAttributes) actions += 1;
    if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) actions += 1;
    if (e.upsertWorkflowSearchAttributesEventAttributes) actions += 1;
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) actions += 2;
    if (e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateRejectedEventAttributes) actions += 1;
    if (e.workflowExecutionOptionsUpdatedEventAttributes) actions += 1;
    if (e.markerRecordedEventAttributes) markerTasks.add(String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? ''));
    const metering = e.workflowTaskCompletedEventAttributes?.meteringMetadata;
    if (metering) actions += metering.nonfirstLocalActivityExecutionAttempts ?? 0;
  }
  return actions + markerTasks.size;
}
