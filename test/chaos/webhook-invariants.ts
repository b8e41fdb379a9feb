/**
 * The webhook promises of a chaos run, each checked across independent sources: the simulator's
 * delivery ledger and published events (what was sent and what it was answered), the receiver's
 * own record of each delivery (its onOutcome hook and counters), and the workflows' histories and
 * results. No check trusts the piece it is checking to report on itself.
 */
import { isDeepStrictEqual } from 'node:util';
import { toTaskSnapshot } from '../../activities/task-snapshot';
import type { GenerationTask } from '../../src/rivya';
import type { WebhookEventSignal } from '../../workflows/generation/messages';
import type { ChaosEvidence, WorkflowOutcome } from './chaos-run';
import { check, type InvariantResult } from './check';
import { firstTerminalEvidence, webhookSignalsIn, type RecordedSignal } from './history-evidence';
import type { WebhookEvidence } from './webhook-rig';

export const FORGED_LEDGER = '0 forged accepted (ledger): every forged or stale-replay delivery was answered 401';
export const FORGED_HISTORIES =
  "0 forged accepted (histories): every webhook signal in every history is, field for field, a genuine event of that workflow's own task";
export const RECEIVER_AGREES =
  "the receiver's answers agree with the simulator's ledger, and each signal it reports is in that workflow's history";
export const COMPLETED_BY =
  "completedBy agrees with the history: 'webhook' iff the first workflow task to see the task end saw only a webhook";
export const DROPPED = 'each dropped delivery: its generation still ended as decided, with no webhook signal, by the safety net';

/** Receiver down windows are measured around close/listen; a connection attempt just before the close can still be refused. */
const DOWN_WINDOW_SLACK_MS = 1_000;

/** The signal the receiver would send for a genuine envelope: what a history must hold, byte for byte. */
export function expectedSignal(envelope: {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}): WebhookEventSignal {
  const signal: WebhookEventSignal = {
    eventId: envelope.id,
    type: envelope.type as WebhookEventSignal['type'],
    createdAt: envelope.created_at,
    task: toTaskSnapshot(envelope.data as unknown as GenerationTask),
  };
  // As it travels (JSON): a key whose value is undefined is simply absent.
  return JSON.parse(JSON.stringify(signal)) as WebhookEventSignal;
}

export function checkWebhookInvariants(evidence: ChaosEvidence): InvariantResult[] {
  const taskOf = new Map(evidence.stats.tasks.map((task) => [task.clientRequestId, task]));
  const workflowOfTask = new Map(
    evidence.stats.tasks.flatMap((task) => (task.clientRequestId ? [[task.id, task.clientRequestId] as const] : [])),
  );
  const signals = evidence.runs.flatMap(webhookSignalsIn);
  return [
    forgedNeverAcceptedByLedger(evidence.webhooks),
    forgedNeverInHistories(evidence.webhooks, signals, (workflowId) => taskOf.get(workflowId)?.id),
    receiverAgreesWithLedgerAndHistories(evidence.webhooks, signals),
    completedByAgreesWithHistory(evidence, (workflowId) => taskOf.get(workflowId)?.id),
    droppedStillCompleted(evidence, signals, workflowOfTask),
  ];
}

/** Source: the simulator's ledger (what each forged or replayed request was answered), and when the receiver was down. */
export function forgedNeverAcceptedByLedger(webhooks: WebhookEvidence): InvariantResult {
  const suspicious = webhooks.deliveries.filter((d) => d.kind === 'forged' || d.kind === 'stale-replay');
  const wasDown = (at: number) => webhooks.receiver.downWindows.some((w) => at >= w.from - DOWN_WINDOW_SLACK_MS && at <= w.to);
  const unanswered = suspicious.filter((d) => d.status === 0 && wasDown(d.at));
  const failures = suspicious
    .filter((d) => d.status !== 401 && !unanswered.includes(d))
    .map((d) => `${d.kind} copy of ${d.eventId} (task ${d.taskId}) answered ${d.status}${d.error ? ` (${d.error})` : ''}`);
  const count = (kind: string, status: number) => suspicious.filter((d) => d.kind === kind && d.status === status).length;
  return check(
    FORGED_LEDGER,
    failures,
    `forged: ${count('forged', 401)} answered 401; stale-replay: ${count('stale-replay', 401)} answered 401; ` +
      `${unanswered.length} sent while the receiver was down (refused, status 0); none answered otherwise`,
  );
}

/**
 * Source: the histories (what each workflow was told) against the simulator's published events
 * (what Rivya really said). A forged copy reuses the genuine event id with tampered data, so the id
 * alone proves nothing: the whole payload must equal the genuine event's, and the event must be
 * about the workflow's own task. (A stale replay carries genuine data: only the ledger can tell it.)
 */
export function forgedNeverInHistories(
  webhooks: WebhookEvidence,
  signals: RecordedSignal[],
  taskIdOf: (workflowId: string) => string | undefined,
): InvariantResult {
  const genuine = new Map(webhooks.events.map((event) => [event.envelope.id, event]));
  const failures = signals.flatMap(({ workflowId, historyEventId, payload }) => {
    const at = `${workflowId} history event ${historyEventId}`;
    const event = genuine.get(payload.eventId);
    if (!event) return [`${at}: event ${payload.eventId} was never published by the simulator`];
    const own = taskIdOf(workflowId);
    if (event.taskId !== own) return [`${at}: event ${payload.eventId} is about task ${event.taskId}, the workflow's task is ${own}`];
    const expected = expectedSignal(event.envelope);
    if (!isDeepStrictEqual(payload, expected))
      return [`${at}: event ${payload.eventId} differs from the genuine one in ${differingPaths(payload, expected).join(', ')}`];
    return [];
  });
  const workflows = new Set(signals.map((s) => s.workflowId)).size;
  return check(
    FORGED_HISTORIES,
    failures,
    `${signals.length} signals in ${workflows} workflows' histories, each equal to one of the ${webhooks.events.length} events the simulator published, for the workflow's own task`,
  );
}

/**
 * Sources: the receiver's per-delivery record against the simulator's ledger (same answers, status
 * by status — a refused connection is the only thing the receiver cannot see), and its
 * `signalled` answers against the histories (each names a workflow whose history holds that event).
 */
export function receiverAgreesWithLedgerAndHistories(webhooks: WebhookEvidence, signals: RecordedSignal[]): InvariantResult {
  const failures: string[] = [];
  const tally = (statuses: number[]) =>
    statuses.filter((s) => s !== 0).reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
  const fromLedger = tally(webhooks.deliveries.map((d) => d.status));
  const fromReceiver = tally(webhooks.receiver.deliveries.map((d) => d.status));
  for (const status of new Set([...Object.keys(fromLedger), ...Object.keys(fromReceiver)])) {
    const a = fromLedger[Number(status)] ?? 0;
    const b = fromReceiver[Number(status)] ?? 0;
    if (a !== b) failures.push(`status ${status}: ledger ${a}, receiver ${b}`);
  }
  const counted = webhooks.receiver.instances.reduce((n, s) => n + s.total, 0);
  if (counted !== webhooks.receiver.deliveries.length)
    failures.push(`receiver counters total ${counted} ≠ ${webhooks.receiver.deliveries.length} deliveries it reported`);
  const inHistory = new Set(signals.map((s) => `${s.workflowId} ${s.payload.eventId}`));
  const signalled = webhooks.receiver.deliveries.filter((d) => d.outcome === 'signalled');
  for (const delivery of signalled) {
    for (const workflowId of delivery.workflowIds ?? []) {
      if (!inHistory.has(`${workflowId} ${delivery.eventId}`))
        failures.push(`receiver signalled ${workflowId} with ${delivery.eventId}, not in its history`);
    }
  }
  if (signals.length < signalled.length)
    failures.push(`${signals.length} signals in histories < ${signalled.length} signalled by the receiver`);
  return check(
    RECEIVER_AGREES,
    failures,
    `${webhooks.receiver.deliveries.length} answers by ${webhooks.receiver.instances.length} receiver instance(s) match the ledger status for status ` +
      `(${Object.entries(fromReceiver)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ')}); ${signalled.length} signalled, all found in histories (${signals.length} signals there)`,
  );
}

/**
 * Source: each succeeded workflow's result against its history. The first workflow task that could
 * see the task had ended decides: a webhook seen alone must give 'webhook', a status read seen alone
 * 'poll'; when both were there (or a status read the timer form awaits first was outstanding) either
 * is right. Failed generations report no completedBy and are not checked here.
 */
export function completedByAgreesWithHistory(
  evidence: ChaosEvidence,
  taskIdOf: (workflowId: string) => string | undefined,
): InvariantResult {
  const failures: string[] = [];
  for (const outcome of evidence.outcomes) {
    if (outcome.status !== 'COMPLETED' || !outcome.result) continue;
    const taskId = taskIdOf(outcome.workflowId);
    if (!taskId) continue; // the one-task invariant reports it
    const runs = evidence.runs.filter((run) => run.workflowId === outcome.workflowId);
    const first = firstTerminalEvidence(runs, taskId);
    const reported = outcome.result.completedBy;
    if (first.kind === 'none') {
      failures.push(`${outcome.workflowId}: completed (${reported}) with no terminal evidence in its history`);
      continue;
    }
    const onlyWebhook = first.webhook && !first.status && !first.readOutstanding;
    const onlyStatus = first.status && !first.webhook;
    if (onlyWebhook && reported !== 'webhook')
      failures.push(`${outcome.workflowId}: only a webhook was seen first (task ${first.workflowTaskEventId}), result says ${reported}`);
    if (onlyStatus && reported !== 'poll')
      failures.push(
        `${outcome.workflowId}: only a status read was seen first (task ${first.workflowTaskEventId}), result says ${reported}`,
      );
    if (!first.webhook && reported === 'webhook') failures.push(`${outcome.workflowId}: says webhook, no webhook seen first`);
  }
  const completed = evidence.outcomes.filter((o) => o.status === 'COMPLETED' && o.result);
  const by = (kind: string) => completed.filter((o) => o.result!.completedBy === kind).length;
  return check(
    COMPLETED_BY,
    failures,
    `${completed.length} succeeded: ${by('webhook')} by webhook, ${by('poll')} by poll, each as its history's first terminal evidence says`,
  );
}

/**
 * Sources: the ledger's dropped deliveries (never sent, never retried), the simulator's decision
 * for each task, the histories (no webhook signal can exist for it) and the results (the safety
 * net's status read ended it: completedBy 'poll').
 */
export function droppedStillCompleted(
  evidence: ChaosEvidence,
  signals: RecordedSignal[],
  workflowOfTask: Map<string, string>,
): InvariantResult {
  const dropped = evidence.webhooks.deliveries.filter((d) => d.fault === 'drop' && d.kind === 'genuine');
  const planned = new Map(evidence.stats.tasks.map((task) => [task.id, task.plannedOutcome]));
  const outcomes = new Map(evidence.outcomes.map((o) => [o.workflowId, o]));
  const failures: string[] = [];
  let webhookMode = 0;
  for (const delivery of dropped) {
    const workflowId = workflowOfTask.get(delivery.taskId ?? '');
    const outcome: WorkflowOutcome | undefined = workflowId ? outcomes.get(workflowId) : undefined;
    if (!outcome) {
      failures.push(`dropped ${delivery.eventId}: no workflow for task ${delivery.taskId}`);
      continue;
    }
    if (outcome.webhooks) webhookMode += 1;
    const succeeded = planned.get(delivery.taskId!) === 'succeeded';
    const ended = succeeded
      ? outcome.status === 'COMPLETED' && outcome.result?.taskId === delivery.taskId
      : outcome.status === 'FAILED' && outcome.failureType === 'GenerationFailed';
    if (!ended) failures.push(`${outcome.workflowId}: delivery dropped, workflow ${outcome.status} ${outcome.failureType ?? ''}`);
    const told = signals.filter((s) => s.workflowId === outcome.workflowId).length;
    if (told > 0) failures.push(`${outcome.workflowId}: delivery dropped, yet ${told} webhook signal(s) in its history`);
    if (outcome.result && outcome.result.completedBy !== 'poll')
      failures.push(`${outcome.workflowId}: delivery dropped, result says completedBy ${outcome.result.completedBy}`);
  }
  return check(
    DROPPED,
    failures,
    `${dropped.length} dropped (${webhookMode} of webhook-mode generations): each generation ended as decided, no signal in its history, succeeded ones by poll`,
  );
}

/** Where two JSON values differ, as dotted paths (for failure details). */
export function differingPaths(a: unknown, b: unknown, path = ''): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) =>
      differingPaths((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
    );
  }
  return [`${path || '(root)'} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`];
}
