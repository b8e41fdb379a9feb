/**
 * The promises a chaos run must keep, each checked from the simulator's ledger and the server's
 * histories; the webhook ones (webhook-invariants.ts) also from the receiver's own record.
 */
import { temporal } from '@temporalio/proto';
import { TEST_API_KEY } from '../helpers/simulator';
import { MODEL_SPECS } from '../../src/contract/models';
import type { ChaosEvidence } from './chaos-run';

import { check, type InvariantResult } from './check';
import { checkWebhookInvariants } from './webhook-invariants';

export type { InvariantResult } from './check';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

export function checkInvariants(evidence: ChaosEvidence): InvariantResult[] {
  const { outcomes, stats, runs } = evidence;
  // Tasks are matched to workflows by client_request_id (always the workflow id), so a task created
  // under any other Idempotency-Key still counts against its workflow.
  const tasksByKey = new Map(stats.tasks.map((task) => [task.clientRequestId, task]));
  const results: InvariantResult[] = [];

  results.push(
    check(
      'every workflow reached a terminal state (none stuck)',
      outcomes.filter((o) => o.status === 'RUNNING').map((o) => `${o.workflowId} still running`),
      `${outcomes.length} of ${outcomes.length} closed`,
    ),
  );

  results.push(
    check(
      'exactly one task per workflow id',
      [
        ...outcomes
          .filter((o) => stats.tasksPerClientRequestId[o.workflowId] !== 1)
          .map((o) => `${o.workflowId}: ${stats.tasksPerClientRequestId[o.workflowId] ?? 0} tasks`),
        ...(stats.tasks.length !== outcomes.length ? [`${stats.tasks.length} tasks for ${outcomes.length} workflows`] : []),
      ],
      `${stats.tasks.length} tasks for ${outcomes.length} workflows`,
    ),
  );

  results.push(
    check(
      "each workflow's outcome matches what the simulator decided for its task",
      outcomes.flatMap((o) => {
        const task = tasksByKey.get(o.workflowId);
        if (!task) return [`${o.workflowId}: no task`];
        if (task.plannedOutcome === 'succeeded') {
          return o.status === 'COMPLETED' && o.result?.taskId === task.id && o.result.videoUrl.includes(task.id)
            ? []
            : [`${o.workflowId}: task succeeded, workflow ${o.status} ${o.failureType ?? ''}`];
        }
        return o.status === 'FAILED' && o.failureType === 'GenerationFailed' && o.details?.taskId === task.id
          ? []
          : [`${o.workflowId}: task failed, workflow ${o.status} ${o.failureType ?? ''}`];
      }),
      `${outcomes.filter((o) => o.status === 'COMPLETED').length} succeeded, ${outcomes.filter((o) => o.status === 'FAILED').length} failed, all as decided`,
    ),
  );

  results.push(creditsMatchWorkflowReports(evidence));

  const nondeterministic = runs.filter((run) =>
    (run.history.events ?? []).some(
      (event) =>
        event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
        event.workflowTaskFailedEventAttributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
    ),
  );
  results.push(
    check(
      'no non-determinism errors in any history',
      nondeterministic.map((run) => run.workflowId),
      `${runs.length} histories scanned`,
    ),
  );

  const reconciled = new Set(
    runs
      .filter((run) =>
        (run.history.events ?? []).some(
          (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'rivyaReconcileCredits',
        ),
      )
      .map((run) => run.workflowId),
  );
  results.push(
    check(
      'compensations ran exactly for the failed generations',
      outcomes.flatMap((o) => {
        const failed = o.status === 'FAILED';
        const ran =
          reconciled.has(o.workflowId) &&
          (!failed || o.details?.compensations.some((c) => c.name === 'reconcile-credits' && c.status === 'completed'));
        if (failed && !ran) return [`${o.workflowId} failed without compensation`];
        if (!failed && reconciled.has(o.workflowId)) return [`${o.workflowId} succeeded but compensated`];
        if (failed && o.details?.credits?.refunded !== true) return [`${o.workflowId} refund not confirmed`];
        return [];
      }),
      `${reconciled.size} compensated, ${outcomes.filter((o) => o.status === 'FAILED').length} failed`,
    ),
  );

  const key = Buffer.from(TEST_API_KEY);
  const leaks = [
    ...runs
      .filter((run) => Buffer.from(temporal.api.history.v1.History.encode(run.history).finish()).includes(key))
      .map((run) => `history ${run.workflowId}`),
    ...evidence.workerLogs.filter((log) => log.includes(TEST_API_KEY)).map((_, i) => `worker log #${i}`),
    ...outcomes
      .filter((o) => (o.failureMessage ?? '').includes(TEST_API_KEY) || JSON.stringify(o.details ?? {}).includes(TEST_API_KEY))
      .map((o) => `error of ${o.workflowId}`),
  ];
  results.push(
    check(
      'the API key appears in no history, log line or error',
      leaks,
      `${runs.length} histories, ${evidence.workerLogs.length} worker logs (${evidence.workerLogs.reduce((n, log) => n + log.split('\n').length, 0)} lines), ${outcomes.length} outcomes scanned`,
    ),
  );
  results.push(...checkWebhookInvariants(evidence));
  return results;
}

/**
 * Spend checked against an expectation built only from what the workflows report, priced from the
 * one models table the simulator also prices from (MODEL_SPECS[model].baseCredits):
 * - reserved = Σ price of every generation that reports a task (succeeded or GenerationFailed);
 * - charged (captured) = Σ price of the succeeded generations;
 * - refunded = Σ price reserved by the failed generations;
 * - wallet delta = reserved − refunded (= charged once every task has ended).
 * The simulator's ledger and wallet must equal these sums. A task the workflows never report (a
 * second task created under a fresh Idempotency-Key) shows up as reserved/charged/refunded beyond
 * them: a double charge. Each workflow's own reported credits must also equal the table's price.
 */
export function creditsMatchWorkflowReports(evidence: ChaosEvidence): InvariantResult {
  const { outcomes, stats } = evidence;
  const price = (model: string) => MODEL_SPECS[model as keyof typeof MODEL_SPECS]?.baseCredits ?? Number.NaN;
  const succeeded = outcomes.filter((o) => o.status === 'COMPLETED' && o.result);
  const failed = outcomes.filter((o) => o.failureType === 'GenerationFailed' && o.details?.taskId);
  const expected = {
    reserved: [...succeeded.map((o) => price(o.result!.model)), ...failed.map((o) => price(o.model))].reduce((a, b) => a + b, 0),
    charged: succeeded.reduce((sum, o) => sum + price(o.result!.model), 0),
    refunded: failed.reduce((sum, o) => sum + price(o.model), 0),
  };
  const ledgerSum = (kind: string) => stats.ledger.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + entry.amount, 0);
  const actual = { reserved: ledgerSum('reserve'), charged: ledgerSum('capture'), refunded: ledgerSum('refund') };
  const walletDelta = evidence.initialCredits - (stats.wallets.acct_primary ?? 0);
  const failures = [
    ...(['reserved', 'charged', 'refunded'] as const)
      .filter((kind) => actual[kind] !== expected[kind])
      .map((kind) => `${kind}: ledger ${actual[kind]} ≠ ${expected[kind]} expected from the workflows' reports`),
    ...(walletDelta !== expected.reserved - expected.refunded
      ? [`wallet delta ${walletDelta} ≠ reserved ${expected.reserved} − refunded ${expected.refunded} expected`]
      : []),
    ...succeeded
      .filter((o) => o.result!.credits.final !== price(o.result!.model))
      .map((o) => `${o.workflowId}: reports ${o.result!.credits.final} credits charged, price ${price(o.result!.model)}`),
    ...failed
      .filter((o) => o.details?.credits && o.details.credits.reservedCredits !== price(o.model))
      .map((o) => `${o.workflowId}: reports ${o.details!.credits!.reservedCredits} reserved, price ${price(o.model)}`),
  ];
  return check(
    "credits match the workflows' reports: charged = Σ price of succeeded, refunded = Σ reserved of failed, wallet delta = reserved − refunded",
    failures,
    `${succeeded.length} succeeded × price → ${expected.charged} charged, ${failed.length} failed → ${expected.refunded} refunded; ledger and wallet (delta ${walletDelta}) agree`,
  );
}
