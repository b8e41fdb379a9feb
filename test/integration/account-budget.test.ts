/**
 * The account budget (workflows/budget/) on the real dev server, the simulator and a real worker:
 * a cap smaller than what is asked refuses ('fail') or holds back ('wait') generations and is never
 * exceeded on Rivya's side; a failed task's refund comes back; operators set and top up the cap
 * through validated Updates; continue-as-new carries the lease table. Rivya's side is read from the
 * simulator's ledger, never from the budget's word alone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import {
  FailureTypes,
  getSora2Budget,
  INVALID_BUDGET_UPDATE,
  setSora2BudgetCap,
  sora2BudgetCommitUpdate,
  sora2BudgetLeaseUpdate,
  sora2BudgetSettleUpdate,
  sora2BudgetStateQuery,
  topUpSora2Budget,
  type BudgetState,
  type Sora2GenerationInput,
} from '../../src';
import { priceOf } from '../../src/contract/models';
import { budgetWorkflowId } from '../../workflows/budget/input';
import { maxCommitted, maxInFlight } from '../../bench/pipelines';
import { cleanEnv, runCli } from '../helpers/cli-process';
import { fetchAllRuns } from '../helpers/histories';
import { waitFor } from '../helpers/simulator';
import { FAST_POLLING, generationFailureOf, useTestStack } from '../helpers/stack';

const stack = useTestStack({ resetBeforeEach: { timing: { queuedMs: [200, 200], processingMs: { default: [1_500, 1_500] } } } });
const PRICE = priceOf('sora-2');
let budgets = 0;
const budgetName = (label: string) => `${label}-${process.pid}-${(budgets += 1)}`;

const generation = (name: string, whenExhausted: 'wait' | 'fail', prompt = '[sim:succeed] a budgeted heron'): Sora2GenerationInput => ({
  prompt,
  polling: { ...FAST_POLLING, style: 'timer' },
  completion: { webhooks: false },
  accountBudget: { name, whenExhausted },
});

/** The simulator's tasks of these runs (by Idempotency-Key = workflow id), as Rivya holds them. */
function tasksOf(handles: readonly WorkflowHandle[]) {
  const ids = new Set(handles.map((h) => h.workflowId));
  return [...stack.simulator.store.tasks.values()].filter((task) => task.idempotencyKey && ids.has(task.idempotencyKey));
}

async function outcomes(handles: readonly WorkflowHandle[]): Promise<string[]> {
  return Promise.all(
    handles.map((h) =>
      h.result().then(
        () => 'succeeded',
        async () => (await generationFailureOf(h)).failure.type!,
      ),
    ),
  );
}

async function state(name: string): Promise<BudgetState> {
  return (await getSora2Budget(stack.env.client, name))!;
}

test("a cap below what is asked: 'fail' runs are refused as BudgetExceeded with nothing created, the rest stay within the cap", async () => {
  const name = budgetName('refuse');
  await setSora2BudgetCap(stack.env.client, name, 2 * PRICE, { taskQueue: stack.taskQueue });
  const handles = await Promise.all([0, 1, 2, 3, 4].map((i) => stack.start(generation(name, 'fail'), `budget-fail-${i}`)));
  const ends = await outcomes(handles);
  expect(ends.filter((e) => e === 'succeeded')).toHaveLength(2);
  expect(ends.filter((e) => e === FailureTypes.BudgetExceeded)).toHaveLength(3);
  // Rivya's side: exactly the granted two tasks exist; the refused runs created nothing.
  const tasks = tasksOf(handles);
  expect(tasks).toHaveLength(2);
  expect(maxCommitted(tasks)).toBeLessThanOrEqual(2 * PRICE);
  const refused = handles.filter((_, i) => ends[i] !== 'succeeded');
  for (const handle of refused) {
    const { details } = await generationFailureOf(handle);
    expect(details.taskId).toBeNull();
    expect(details.remoteError?.code).toBe('BudgetExceeded');
  }
  expect(await state(name)).toMatchObject({ cap: 2 * PRICE, spent: 2 * PRICE, held: 0, available: 0, leases: 0 });
});

test("'wait' runs wait durably for credits and go on after a top-up; never more than the cap held at Rivya", async () => {
  const name = budgetName('wait');
  await setSora2BudgetCap(stack.env.client, name, PRICE, { taskQueue: stack.taskQueue });
  const handles = await Promise.all([0, 1, 2].map((i) => stack.start(generation(name, 'wait'), `budget-wait-${i}`)));
  // One gets the credits and finishes; the other two wait (their lease activity retries).
  await waitFor(async () => ((await state(name)).spent === PRICE ? true : undefined), 30_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(tasksOf(handles)).toHaveLength(1);
  const before = await state(name);
  expect(before).toMatchObject({ spent: PRICE, held: 0, available: 0 });
  // An operator tops up by one price, then another: each admits one more.
  await topUpSora2Budget(stack.env.client, name, PRICE, { taskQueue: stack.taskQueue });
  await waitFor(async () => ((await state(name)).spent === 2 * PRICE ? true : undefined), 30_000);
  await topUpSora2Budget(stack.env.client, name, PRICE, { taskQueue: stack.taskQueue });
  expect(await outcomes(handles)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  const tasks = tasksOf(handles);
  expect(tasks).toHaveLength(3);
  // The tasks ran one after another (the cap admitted one price at a time), and what Rivya holds
  // or charged never passed the cap as it stood.
  expect(maxInFlight(tasks)).toBe(1);
  expect(maxCommitted(tasks)).toBe(3 * PRICE);
  expect(await state(name)).toMatchObject({ cap: 3 * PRICE, spent: 3 * PRICE, held: 0 });
});

test('a failed task is refunded by Rivya and its credits come back to the budget', async () => {
  const name = budgetName('refund');
  await setSora2BudgetCap(stack.env.client, name, PRICE, { taskQueue: stack.taskQueue });
  const failing = await stack.start(generation(name, 'fail', '[sim:fail] this one fails'), 'budget-refund');
  expect((await generationFailureOf(failing)).failure.type).toBe(FailureTypes.GenerationFailed);
  expect(tasksOf([failing])[0]!.status).toBe('failed');
  expect(await state(name)).toMatchObject({ spent: 0, held: 0, available: PRICE, refundedCredits: PRICE });
  // The credits are usable again: the next run gets its lease.
  const next = await stack.start(generation(name, 'fail'), 'budget-after-refund');
  await next.result();
  expect(await state(name)).toMatchObject({ spent: PRICE, available: 0 });
});

test('set and top-up are validated Updates: a bad value is refused in its words, a good one changes the cap', async () => {
  const name = budgetName('operate');
  const client = stack.env.client;
  expect(await getSora2Budget(client, name)).toBeNull();
  expect(await setSora2BudgetCap(client, name, 30, { taskQueue: stack.taskQueue })).toMatchObject({ name, cap: 30, available: 30 });
  const bads = [
    () => setSora2BudgetCap(client, name, -1),
    () => setSora2BudgetCap(client, name, 1.5),
    () => topUpSora2Budget(client, name, 0),
  ];
  for (const bad of bads) {
    const err = await bad().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(INVALID_BUDGET_UPDATE);
  }
  expect(await topUpSora2Budget(client, name, 12)).toMatchObject({ cap: 42, available: 42 });
});

test('continue-as-new carries the lease table, the cap and what was spent; a lease asked twice is the same lease', async () => {
  const name = budgetName('carry');
  const client = stack.env.client;
  const handle = await client.workflow.start('sora2Budget', {
    workflowId: budgetWorkflowId(name),
    taskQueue: stack.taskQueue,
    args: [{ name, maxUpdatesPerRun: 3 }],
  });
  await setSora2BudgetCap(client, name, 100, { taskQueue: stack.taskQueue });
  const lease = (id: string, credits: number) => handle.executeUpdate(sora2BudgetLeaseUpdate, { args: [{ leaseId: id, credits }] });
  await lease('gen-a', 10);
  await lease('gen-b', 20);
  expect(await lease('gen-a', 10)).toMatchObject({ leaseId: 'gen-a', credits: 10, state: 'held' });
  await handle.executeUpdate(sora2BudgetCommitUpdate, { args: [{ leaseId: 'gen-a', taskId: 'task_a' }] });
  await lease('gen-c', 30);
  await handle.executeUpdate(sora2BudgetSettleUpdate, { args: [{ leaseId: 'gen-b', end: 'spent' }] });
  const carried = await waitFor(async () => {
    const s = await handle.query(sora2BudgetStateQuery);
    return s.run >= 3 ? s : undefined;
  });
  expect(carried).toMatchObject({ cap: 100, spent: 20, held: 40, available: 40, leases: 2 });
  expect(carried.oldestLeases.map((l) => [l.leaseId, l.state, l.taskId])).toEqual([
    ['gen-a', 'committed', 'task_a'],
    ['gen-c', 'held', null],
  ]);
  // A settled lease asked again is answered, not granted twice.
  expect(await lease('gen-b', 20)).toMatchObject({ state: 'spent' });
  expect((await handle.query(sora2BudgetStateQuery)).held).toBe(40);
  // A lease that does not fit is refused by the validator.
  const refused = await lease('gen-d', 41).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('BudgetExhausted');
});

test('the CLI: budget set, top-up and show (built binary); a bad value is refused with exit 2 before Temporal is asked', async () => {
  const name = budgetName('cli');
  const env = cleanEnv({ TEMPORAL_ADDRESS: stack.env.address, RIVYA_TASK_QUEUE: stack.taskQueue });
  const set = await runCli(['budget', 'set', name, '60'], env);
  expect(set.code).toBe(0);
  expect(set.stdout).toContain(`budget ${name}: 60 of 60 credits available`);
  const topUp = await runCli(['budget', 'top-up', name, '12', '--json'], env);
  expect(topUp.code).toBe(0);
  expect(JSON.parse(topUp.stdout)).toMatchObject({ name, cap: 72, available: 72 });
  const shown = await runCli(['budget', 'show', name], env);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain('72 of 72 credits available (0 spent, 0 held by 0 leases)');
  const bad = await runCli(['budget', 'top-up', name, '-5'], env);
  expect(bad.code).toBe(2);
  const unknown = await runCli(['budget', 'show', budgetName('never-set')], env);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('no budget named');
});

test("a budgeted generation's history and its budget's replay on this code (RECORD_HISTORIES=1 commits them as fixtures)", async () => {
  const name = budgetName('replay');
  await setSora2BudgetCap(stack.env.client, name, PRICE, { taskQueue: stack.taskQueue });
  const handle = await stack.start(generation(name, 'fail'), 'budget-replay');
  await handle.result();
  const runs = [
    ...(await fetchAllRuns(stack.env.client, handle.workflowId)),
    ...(await fetchAllRuns(stack.env.client, budgetWorkflowId(name))),
  ];
  const HistoryProto = temporal.api.history.v1.History;
  if (process.env.RECORD_HISTORIES === '1') {
    // Only the generation's: the fixtures directory holds sora2Generation histories (the replay CLI
    // and the JSON Schema tests read every file as one); the budget's run is replayed here each time.
    const run = runs.find((r) => r.workflowId === handle.workflowId)!;
    const file = join(__dirname, '..', 'fixtures', 'histories', `budget-lease-${run.runId.slice(-6)}.binpb`);
    writeFileSync(file, Buffer.from(HistoryProto.encode(run.history).finish()));
  }
  const results = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../fixtures/workflows') },
    runs.map((run) => ({ workflowId: run.workflowId, history: run.history })),
  );
  let replayed = 0;
  for await (const result of results) {
    expect(result.error).toBeUndefined();
    replayed += 1;
  }
  expect(replayed).toBe(2);
});
