/**
 * What a workflow history says about webhooks, read from the recorded events alone (never from
 * the workflow's own report): the `sora2WebhookEvent` signals it holds, and which evidence that
 * the task had ended — a webhook signal or a status read — the workflow saw first.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { AwaitGenerationOutput, CreateGenerationOutput, TaskSnapshot } from '../../workflows/common/activity-contract';
import type { WebhookEventSignal } from '../../workflows/generation/messages';
import type { RecordedRun } from '../helpers/histories';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const WEBHOOK_SIGNAL = 'sora2WebhookEvent';
const TERMINAL = new Set(['succeeded', 'failed']);

function decode<T>(payload: temporal.api.common.v1.IPayload | null | undefined): T | undefined {
  if (!payload) return undefined;
  return defaultPayloadConverter.fromPayload<T>(payload as never);
}

export interface RecordedSignal {
  workflowId: string;
  runId: string;
  historyEventId: number;
  payload: WebhookEventSignal;
}

/** Every `sora2WebhookEvent` signal in the run's history, with its payload. */
export function webhookSignalsIn(run: RecordedRun): RecordedSignal[] {
  return (run.history.events ?? []).flatMap((event) => {
    const attributes = event.workflowExecutionSignaledEventAttributes;
    if (attributes?.signalName !== WEBHOOK_SIGNAL) return [];
    const payload = decode<WebhookEventSignal>(attributes.input?.payloads?.[0]);
    return payload ? [{ workflowId: run.workflowId, runId: run.runId, historyEventId: Number(event.eventId), payload }] : [];
  });
}

/** Status activities: what each returns, as the task it read. */
const STATUS_ACTIVITIES: Record<string, (result: unknown) => TaskSnapshot | undefined> = {
  rivyaCreateGeneration: (result) => (result as CreateGenerationOutput | undefined)?.task,
  rivyaGetGeneration: (result) => result as TaskSnapshot | undefined,
  rivyaAwaitGeneration: (result) => (result as AwaitGenerationOutput | undefined)?.task,
};

export type FirstEvidence =
  /** No terminal evidence reached a completed workflow task. */
  | { kind: 'none' }
  /**
   * The first completed workflow task that could see terminal evidence: which kinds it saw, and
   * whether a status read (rivyaGetGeneration) was still outstanding then — in the timer form the
   * workflow awaits that read before it looks at a webhook event, so the read may still decide.
   */
  | { kind: 'seen'; webhook: boolean; status: boolean; readOutstanding: boolean; workflowTaskEventId: number };

/**
 * Walks the history as the workflow saw it: a workflow task that completed saw every event
 * recorded before its WorkflowTaskStarted. (Tasks that failed or timed out — a killed worker —
 * decided nothing: their events are seen again by the next task that completes.)
 */
export function firstTerminalEvidence(runs: RecordedRun[], taskId: string): FirstEvidence {
  for (const run of runs) {
    const events = run.history.events ?? [];
    const scheduled = new Map<string, string>();
    const outstandingReads = new Set<string>();
    let webhook = false;
    let status = false;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const id = String(event.eventId);
      const activityType = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (activityType) {
        scheduled.set(id, activityType);
        if (activityType === 'rivyaGetGeneration') outstandingReads.add(id);
      }
      const closedActivity =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes ??
        event.activityTaskCanceledEventAttributes;
      if (closedActivity) outstandingReads.delete(String(closedActivity.scheduledEventId));
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) {
        const read = STATUS_ACTIVITIES[scheduled.get(String(completed.scheduledEventId)) ?? ''];
        const task = read?.(decode(completed.result?.payloads?.[0]));
        if (task && task.id === taskId && TERMINAL.has(task.status)) status = true;
      }
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === WEBHOOK_SIGNAL) {
        const payload = decode<WebhookEventSignal>(signal.input?.payloads?.[0]);
        if (payload?.task?.id === taskId && TERMINAL.has(payload.task.status) && payload.type === `generation.${payload.task.status}`)
          webhook = true;
      }
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && (webhook || status) && workflowTaskCompletes(events, i)) {
        return { kind: 'seen', webhook, status, readOutstanding: outstandingReads.size > 0, workflowTaskEventId: Number(event.eventId) };
      }
    }
  }
  return { kind: 'none' };
}

/** Whether the workflow task started at `events[start]` completed (rather than failed or timed out). */
function workflowTaskCompletes(events: HistoryEvent[], start: number): boolean {
  for (let j = start + 1; j < events.length; j++) {
    const type = events[j]!.eventType;
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return true;
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED || type === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) return false;
  }
  return false;
}
