/**
 * The batch chaos invariants must be able to fail. A small real batch (6 items, two `[sim:fail]`,
 * one on the pro model, concurrency 2, continuing as new every 2 starts) gives genuine evidence on
 * which every invariant holds; each doctored copy of it (the ledger, the result or the bounds
 * changed the way a real fault would change them) must then break the invariant meant to catch it:
 * a second paid task for an item, a failed item's refund kept, tasks over the cap, an item missing
 * from the result, a run over its event bound, a non-determinism failure in a batch run or in a
 * child generation's run. Same checker functions as test/chaos/chaos-batch.test.ts.
 */
import { startSora2Batch } from '../../src/client/helpers';
import { priceOf, type SoraModel } from '../../src/contract/models';
import type { LedgerEntry, SimTask } from '../../simulator/store';
import { childWorkflowId } from '../../workflows/batch/input';
import { BATCH_INVARIANTS, checkBatchInvariants, type BatchChaosEvidence, type InvariantResult } from './batch-invariants';
import { temporal } from '@temporalio/proto';
import { fetchAllRuns, fetchRunsOf, type RecordedRun } from '../helpers/histories';
import { nextId } from '../helpers/ids';
import { FAST_POLLING, startTestStack, type TestStack } from '../helpers/stack';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
const ITEMS = 6;
const CONCURRENCY = 2;
const forcedFail = (i: number) => i === 1 || i === 4;
const modelOf = (i: number): SoraModel => (i === 2 ? 'sora-2-pro' : 'sora-2');

let stack: TestStack;
let evidence: BatchChaosEvidence;

beforeAll(async () => {
  stack = await startTestStack({
    workflowsPath: require.resolve('../../src/worker/workflows'),
    simulator: { failureRate: 0, timing: { queuedMs: [50, 100], processingMs: { default: [300, 500] } } },
  });
  const { env, simulator, taskQueue } = stack;
  const submitted = Array.from({ length: ITEMS }, (_, i) => ({ key: String(i), price: priceOf(modelOf(i)), forcedFail: forcedFail(i) }));
  const budget = submitted.reduce((sum, item) => sum + item.price, 0);
  const batchId = nextId('negative-batch');
  const walletBefore = simulator.stats().wallets.acct_primary!;
  const handle = await startSora2Batch(
    env.client,
    {
      items: submitted.map((item, i) => ({
        prompt: `${item.forcedFail ? '[sim:fail]' : '[sim:succeed]'} negative batch item #${i}`,
        model: modelOf(i),
      })),
      defaults: { polling: FAST_POLLING },
      budget,
      concurrency: CONCURRENCY,
      maxChildrenPerRun: 2,
    },
    { batchId, taskQueue },
  );
  const result = await handle.result();
  evidence = {
    batchId,
    items: submitted,
    budget,
    concurrency: CONCURRENCY,
    result,
    tasks: [...simulator.store.tasks.values()].map((task) => ({ ...task })),
    ledger: simulator.store.ledger.map((entry) => ({ ...entry })),
    wallet: { before: walletBefore, after: simulator.stats().wallets.acct_primary! },
    runs: await fetchAllRuns(env.client, batchId),
    childRuns: await fetchRunsOf(
      env.client,
      submitted.map((item) => childWorkflowId(batchId, item.key)),
    ),
    maxEventsPerRun: 10_000,
    minContinueAsNew: 2,
  };
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

function verdicts(doctored: BatchChaosEvidence): Record<keyof typeof BATCH_INVARIANTS, InvariantResult> {
  const results = checkBatchInvariants(doctored);
  console.log(results.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n'));
  const find = (name: string) => results.find((inv) => inv.name.startsWith(name))!;
  return Object.fromEntries(Object.entries(BATCH_INVARIANTS).map(([id, name]) => [id, find(name)])) as Record<
    keyof typeof BATCH_INVARIANTS,
    InvariantResult
  >;
}

const brokenOnes = (results: Record<string, InvariantResult>) =>
  Object.entries(results)
    .filter(([, inv]) => !inv.passed)
    .map(([id]) => id)
    .sort();

const taskOfItem = (key: string): SimTask =>
  evidence.tasks.find((task) => task.clientRequestId === childWorkflowId(evidence.batchId, key))!;

test('on the genuine evidence of a real batch every invariant holds', () => {
  expect(evidence.result.counts).toMatchObject({ total: ITEMS, succeeded: 4, failed: 2 });
  expect(evidence.runs.length).toBeGreaterThanOrEqual(3);
  expect(brokenOnes(verdicts(evidence))).toEqual([]);
});

test('a second paid task for one item (a retried create under a fresh key) breaks "no item paid twice" and the budget', () => {
  const original = taskOfItem('3');
  // A late retry under a fresh key, after every task had ended (so neither the cap nor the peak moves):
  // Rivya charged the item twice.
  const end = Math.max(...evidence.tasks.map((task) => task.terminalAt));
  const second: SimTask = {
    ...original,
    id: `${original.id}_again`,
    idempotencyKey: `fresh-${original.id}`,
    createdAt: end + 1,
    terminalAt: end + 500,
  };
  const extra: LedgerEntry[] = [
    { at: second.createdAt, account: second.account, taskId: second.id, kind: 'reserve', amount: second.reservedCredits },
    { at: second.terminalAt, account: second.account, taskId: second.id, kind: 'capture', amount: second.reservedCredits },
  ];
  const results = verdicts({
    ...evidence,
    tasks: [...evidence.tasks, second],
    ledger: [...evidence.ledger, ...extra],
    wallet: { ...evidence.wallet, after: evidence.wallet.after - second.reservedCredits },
  });
  expect(brokenOnes(results)).toEqual(['budget', 'paidOnce']);
  expect(results.paidOnce.detail).toContain(`${childWorkflowId(evidence.batchId, '3')}: 2 tasks`);
  expect(results.budget.detail).toMatch(/spent \d+ ≠ ledger reserved − refunded \d+/);
});

test("a failed item's refund kept by Rivya breaks the budget (spent ≠ ledger) and completeness", () => {
  const failed = taskOfItem('4');
  const results = verdicts({
    ...evidence,
    ledger: evidence.ledger.filter((entry) => !(entry.kind === 'refund' && entry.taskId === failed.id)),
  });
  expect(brokenOnes(results)).toEqual(['budget', 'completeness']);
  expect(results.completeness.detail).toContain(`4 ([sim:fail]): refunded 0 of ${failed.reservedCredits}`);
});

test('credits held above the budget (an unrequested task reserving on top of every item at once) break the budget', () => {
  // All tasks alive at once and the failed ones' reservations never released: Σ reserved = budget,
  // so one more credit-holding task (its reservation refunded only at the end) goes over it.
  const start = Math.min(...evidence.tasks.map((task) => task.createdAt));
  const end = Math.max(...evidence.tasks.map((task) => task.terminalAt));
  const overlapping = evidence.tasks.map((task) => ({ ...task, createdAt: start, terminalAt: end }));
  const extra: SimTask = {
    ...overlapping[0]!,
    id: 'task_unrequested',
    clientRequestId: undefined,
    idempotencyKey: undefined,
    status: 'failed',
    finalCredits: 0,
  };
  const results = verdicts({ ...evidence, concurrency: ITEMS + 1, tasks: [...overlapping, extra] });
  expect(results.budget.passed).toBe(false);
  expect(results.budget.detail).toMatch(new RegExp(`\\d+ credits held at once, budget ${evidence.budget}`));
  expect(results.paidOnce.passed).toBe(false);
});

test("tasks over the cap on Rivya's side break the concurrency invariant, and only it", () => {
  // The same tasks, all created at the first one's creation: ITEMS in flight at once, cap 2.
  const start = Math.min(...evidence.tasks.map((task) => task.createdAt));
  const results = verdicts({ ...evidence, tasks: evidence.tasks.map((task) => ({ ...task, createdAt: start })) });
  expect(brokenOnes(results)).toEqual(['concurrency']);
  expect(results.concurrency.detail).toContain(`${ITEMS} tasks in flight at once, cap ${CONCURRENCY}`);
});

test('an item missing from the result, or listed twice, breaks completeness', () => {
  const [first, ...rest] = evidence.result.items;
  const missing = verdicts({ ...evidence, result: { ...evidence.result, items: rest } });
  expect(missing.completeness.passed).toBe(false);
  expect(missing.completeness.detail).toContain(`${first!.key}: missing from the result`);
  const twice = verdicts({ ...evidence, result: { ...evidence.result, items: [...evidence.result.items, first!] } });
  expect(twice.completeness.passed).toBe(false);
  expect(twice.completeness.detail).toContain(`${first!.key}: listed 2 times`);
  // A [sim:fail] item reported as succeeded (on its own, failed, task).
  const flipped = evidence.result.items.map((item) => (item.key === '1' ? { ...item, status: 'succeeded' as const, error: null } : item));
  const lied = verdicts({ ...evidence, result: { ...evidence.result, items: flipped } });
  expect(lied.completeness.passed).toBe(false);
  expect(lied.completeness.detail).toContain('1 ([sim:fail]): succeeded');
});

test('a run over the event bound, too few continue-as-new, or a batch miscounting its runs break "history bounded"', () => {
  const largest = Math.max(...evidence.runs.map((run) => run.history.events?.length ?? 0));
  const overBound = verdicts({ ...evidence, maxEventsPerRun: largest - 1 });
  expect(brokenOnes(overBound)).toEqual(['history']);
  expect(overBound.history.detail).toContain(`${largest} events`);
  const tooFew = verdicts({ ...evidence, minContinueAsNew: evidence.runs.length });
  expect(brokenOnes(tooFew)).toEqual(['history']);
  const miscounted = verdicts({ ...evidence, result: { ...evidence.result, continuedAsNew: evidence.runs.length } });
  expect(brokenOnes(miscounted)).toEqual(['history']);
});

test('a non-determinism failure in a run of the batch, or of one of its child generations, breaks determinism alone', () => {
  expect(evidence.childRuns!.length).toBeGreaterThanOrEqual(ITEMS);
  const nondeterministic = (run: RecordedRun): RecordedRun => ({
    ...run,
    history: {
      events: [
        ...(run.history.events ?? []),
        {
          eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          workflowTaskFailedEventAttributes: { cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR },
        },
      ],
    },
  });
  const [firstChild, ...otherChildren] = evidence.childRuns!;
  const inChild = verdicts({ ...evidence, childRuns: [nondeterministic(firstChild!), ...otherChildren] });
  expect(brokenOnes(inChild)).toEqual(['determinism']);
  expect(inChild.determinism.detail).toContain(firstChild!.workflowId);
  const [firstRun, ...otherRuns] = evidence.runs;
  expect(brokenOnes(verdicts({ ...evidence, runs: [nondeterministic(firstRun!), ...otherRuns] }))).toEqual(['determinism']);
});
