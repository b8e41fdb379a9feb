/**
 * The promises a batch under chaos must keep (test/chaos/chaos-batch.test.ts), each checked against a
 * source the batch does not write itself: the simulator's tasks and credit ledger (Rivya's side),
 * the server's recorded runs of the batch, and the items as they were submitted. The batch's own
 * result is only ever compared against those. Peaks come from bench/pipelines.ts (maxCommitted,
 * maxInFlight), the same measure the pipelines benchmark reports.
 */
import { temporal } from '@temporalio/proto';
import { maxCommitted, maxInFlight } from '../../bench/pipelines';
import type { LedgerEntry, SimTask } from '../../simulator/store';
import { childWorkflowId } from '../../workflows/batch/input';
import type { Sora2BatchResult } from '../../workflows/batch/state';
import type { RecordedRun } from '../helpers/histories';
import { check, type InvariantResult } from './check';

export type { InvariantResult } from './check';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/** One item as submitted: its key, its price (priceOf), and whether its prompt forces a failure. */
export interface SubmittedItem {
  key: string;
  price: number;
  forcedFail: boolean;
}

export interface BatchChaosEvidence {
  batchId: string;
  items: SubmittedItem[];
  /** The budget the batch was given (Σ price of the items: exactly enough). */
  budget: number;
  concurrency: number;
  result: Sora2BatchResult;
  /** Every task the simulator created during the run (the simulator served this batch alone). */
  tasks: SimTask[];
  /** The simulator's credit ledger: reservations, captures, refunds. */
  ledger: LedgerEntry[];
  /** The wallet before the batch and after it. */
  wallet: { before: number; after: number };
  /** Every run of the batch id, as the server recorded it. */
  runs: RecordedRun[];
  /** Every run of the batch's child generations (`<batchId>/<key>`): replayed after a kill like the batch's own. */
  childRuns?: RecordedRun[];
  /** The most events any one run may hold. */
  maxEventsPerRun: number;
  /** The fewest continue-as-new the run must have made (maxChildrenPerRun is set low for this). */
  minContinueAsNew: number;
}

/** Names the checkers are known by (the negative test looks them up by these prefixes). */
export const BATCH_INVARIANTS = {
  paidOnce: 'no item paid twice',
  budget: 'the budget',
  concurrency: 'the concurrency cap',
  completeness: 'completeness',
  history: 'history bounded',
  determinism: 'no non-determinism',
} as const;

export function checkBatchInvariants(evidence: BatchChaosEvidence): InvariantResult[] {
  return [
    paidOnce(evidence),
    budgetHeld(evidence),
    concurrencyHeld(evidence),
    complete(evidence),
    historyBounded(evidence),
    deterministic(evidence),
  ];
}

/** The id a task was created for: its client_request_id (the child workflow id), else its Idempotency-Key. */
function requestIdOf(task: SimTask): string {
  return task.clientRequestId ?? task.idempotencyKey ?? `(no id: ${task.id})`;
}

function tasksByChildId(tasks: readonly SimTask[]): Map<string, SimTask[]> {
  const byId = new Map<string, SimTask[]>();
  for (const task of tasks) byId.set(requestIdOf(task), [...(byId.get(requestIdOf(task)) ?? []), task]);
  return byId;
}

/**
 * Exactly one task per child workflow id in the ledger, none for an id that is no item's, and as
 * many tasks as the result lists items with a task: a retried create under a fresh key, a child
 * started twice, or a second batch run starting an item again all show up here.
 */
export function paidOnce({ batchId, items, tasks, result }: BatchChaosEvidence): InvariantResult {
  const childIds = new Set(items.map((item) => childWorkflowId(batchId, item.key)));
  const byId = tasksByChildId(tasks);
  const withTask = result.items.filter((item) => item.taskId !== null).length;
  const failures = [
    ...[...byId.entries()].filter(([, same]) => same.length > 1).map(([id, same]) => `${id}: ${same.length} tasks`),
    ...[...byId.keys()].filter((id) => !childIds.has(id)).map((id) => `${id}: a task for no item of the batch`),
    ...(tasks.length !== withTask ? [`${tasks.length} tasks in the ledger, ${withTask} items with a task in the result`] : []),
  ];
  return check(
    `${BATCH_INVARIANTS.paidOnce}: one task per child workflow id in the ledger, tasks = items that got a task`,
    failures,
    `${tasks.length} tasks for ${byId.size} child ids, ${withTask} items with a task`,
  );
}

/**
 * Rivya never held more of the batch's credits at once than its budget (reservations from each
 * task's creation, released by refunds), and what the batch says it spent is what the ledger kept
 * (Σ reserved − Σ refunded = Σ captured) and what left the wallet.
 */
export function budgetHeld({ budget, tasks, ledger, result, wallet }: BatchChaosEvidence): InvariantResult {
  const peak = maxCommitted(tasks);
  const sum = (kind: LedgerEntry['kind']) =>
    ledger.filter((entry) => entry.kind === kind).reduce((total, entry) => total + entry.amount, 0);
  const kept = sum('reserve') - sum('refund');
  const captured = sum('capture');
  const walletDelta = wallet.before - wallet.after;
  const spent = result.credits.spent;
  const failures = [
    ...(peak > budget ? [`${peak} credits held at once, budget ${budget}`] : []),
    ...(result.credits.budget !== budget ? [`the batch ran under a budget of ${result.credits.budget}, given ${budget}`] : []),
    ...(spent !== kept ? [`spent ${spent} ≠ ledger reserved − refunded ${kept}`] : []),
    ...(spent !== captured ? [`spent ${spent} ≠ ledger captured ${captured}`] : []),
    ...(spent !== walletDelta ? [`spent ${spent} ≠ wallet delta ${walletDelta}`] : []),
  ];
  return check(
    `${BATCH_INVARIANTS.budget}: credits held on Rivya's side never above the budget; spent = Σ final credits in the ledger`,
    failures,
    `peak ${peak} of ${budget} credits held; spent ${spent} = ledger ${kept} = captured ${captured} = wallet delta ${walletDelta}`,
  );
}

/** Tasks between creation and their end on Rivya's side never more than the cap at once. */
export function concurrencyHeld({ concurrency, tasks }: BatchChaosEvidence): InvariantResult {
  const peak = maxInFlight(tasks);
  return check(
    `${BATCH_INVARIANTS.concurrency}: tasks in flight on Rivya's side never above the cap`,
    peak > concurrency ? [`${peak} tasks in flight at once, cap ${concurrency}`] : [],
    `peak ${peak} of ${concurrency} in flight`,
  );
}

/**
 * The result lists every submitted item exactly once and nothing else; its counts add up to the
 * items and agree with the list; each succeeded item names a succeeded task of its own child id;
 * each `[sim:fail]` item failed on a failed task of its own whose reservation was refunded in full
 * (credits 0); every other item succeeded (the simulator was told to fail nothing else).
 */
export function complete({ batchId, items, tasks, ledger, result }: BatchChaosEvidence): InvariantResult {
  const submitted = new Map(items.map((item) => [item.key, item]));
  const listed = new Map<string, number>();
  for (const item of result.items) listed.set(item.key, (listed.get(item.key) ?? 0) + 1);
  const taskById = new Map(tasks.map((task) => [task.id, task]));
  const refunded = new Map<string, number>();
  for (const entry of ledger) if (entry.kind === 'refund') refunded.set(entry.taskId, (refunded.get(entry.taskId) ?? 0) + entry.amount);
  const { counts } = result;
  const statusCount = (status: string) => result.items.filter((item) => item.status === status).length;
  const failures: string[] = [
    ...items.filter((item) => !listed.has(item.key)).map((item) => `${item.key}: missing from the result`),
    ...[...listed.entries()].filter(([, n]) => n > 1).map(([key, n]) => `${key}: listed ${n} times`),
    ...[...listed.keys()].filter((key) => !submitted.has(key)).map((key) => `${key}: listed but never submitted`),
  ];
  const sum = counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
  if (sum !== items.length || counts.total !== items.length)
    failures.push(`succeeded + failed + cancelled + skipped = ${sum}, total ${counts.total}, ${items.length} submitted`);
  for (const status of ['succeeded', 'failed', 'cancelled', 'skipped'] as const)
    if (counts[status] !== statusCount(status)) failures.push(`counts.${status} ${counts[status]} ≠ ${statusCount(status)} listed`);
  for (const outcome of result.items) {
    const item = submitted.get(outcome.key);
    if (!item) continue;
    const task = outcome.taskId === null ? undefined : taskById.get(outcome.taskId);
    const own = task !== undefined && requestIdOf(task) === childWorkflowId(batchId, item.key);
    if (item.forcedFail) {
      if (outcome.status !== 'failed' || !task || !own || task.status !== 'failed')
        failures.push(
          `${item.key} ([sim:fail]): ${outcome.status}, task ${outcome.taskId ?? 'none'} ${task?.status ?? 'not in the ledger'}`,
        );
      else if (refunded.get(task.id) !== task.reservedCredits || outcome.credits !== 0)
        failures.push(
          `${item.key} ([sim:fail]): refunded ${refunded.get(task.id) ?? 0} of ${task.reservedCredits}, counted ${outcome.credits}`,
        );
    } else if (outcome.status !== 'succeeded' || !task || !own || task.status !== 'succeeded' || outcome.credits !== item.price) {
      failures.push(
        `${item.key}: ${outcome.status} (${outcome.error?.type ?? '-'}), task ${outcome.taskId ?? 'none'} ${task?.status ?? 'not in the ledger'}, credits ${outcome.credits}`,
      );
    }
  }
  const forced = items.filter((item) => item.forcedFail).length;
  return check(
    `${BATCH_INVARIANTS.completeness}: every item listed once, counts add up, succeeded items name succeeded tasks, [sim:fail] items failed with a refund`,
    failures,
    `${items.length} items: ${counts.succeeded} succeeded, ${counts.failed} failed (${forced} forced), ${counts.cancelled} cancelled, ${counts.skipped} skipped`,
  );
}

/**
 * Every run of the batch stays under the bound, and the batch continued as new at least as often as
 * required: counted from the server's runs, and the batch's own counter must agree with them.
 */
export function historyBounded({ runs, result, maxEventsPerRun, minContinueAsNew }: BatchChaosEvidence): InvariantResult {
  const sizes = runs.map((run) => run.history.events?.length ?? 0);
  const continued = runs.length - 1;
  const failures = [
    ...runs.flatMap((run, i) => (sizes[i]! > maxEventsPerRun ? [`run ${run.runId}: ${sizes[i]} events`] : [])),
    ...(continued < minContinueAsNew ? [`${runs.length} runs: ${continued} continue-as-new, at least ${minContinueAsNew} required`] : []),
    ...(result.continuedAsNew !== continued
      ? [`the result says ${result.continuedAsNew} continue-as-new, the server has ${runs.length} runs`]
      : []),
  ];
  return check(
    `${BATCH_INVARIANTS.history}: every run ≤ ${maxEventsPerRun} events, ≥ ${minContinueAsNew} continue-as-new`,
    failures,
    `${runs.length} runs, ${Math.max(0, ...sizes)} events in the largest (${sizes.join(', ')})`,
  );
}

/**
 * No run of the batch, and no run of its child generations, hit a non-determinism error (a worker
 * killed mid-task replays both elsewhere).
 */
export function deterministic({ runs, childRuns = [] }: BatchChaosEvidence): InvariantResult {
  const broken = [...runs, ...childRuns].filter((run) =>
    (run.history.events ?? []).some(
      (event) =>
        event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED &&
        event.workflowTaskFailedEventAttributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR,
    ),
  );
  return check(
    `${BATCH_INVARIANTS.determinism}: no non-determinism error in any run of the batch or of its children`,
    broken.map((run) => `${run.workflowId} (run ${run.runId})`),
    `${runs.length} batch runs and ${childRuns.length} child runs scanned`,
  );
}
