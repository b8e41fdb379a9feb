/**
 * The batch workflow end to end, against the real dev server and the simulator: every item runs
 * once as a child (the simulator's ledger: one task per child id), the concurrency cap holds
 * (from the tasks' created/ended times), continue-as-new carries running children, the budget
 * refuses before anything starts, failures follow the policy, and the Updates are validated.
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  BatchFailureTypes,
  childWorkflowId,
  sora2BatchAddItemsUpdate,
  sora2BatchCancelRemainingUpdate,
  sora2BatchStatusQuery,
  Sora2BatchInputError,
  startSora2Batch,
  type Sora2BatchInput,
  type Sora2BatchResult,
} from '../../src';
import type { RivyaSimulator } from '../../simulator/index';
import { spawnWorkerProcess } from '../../tools/testing/worker-process';
import { fetchAllRuns } from '../helpers/histories';
import { nextId } from '../helpers/ids';
import { TEST_API_KEY, waitFor } from '../helpers/simulator';
import { FAST_POLLING, startTestStack, type TestStack } from '../helpers/stack';

const SORA_2_PRICE = 6;
let stack: TestStack;

let saveRoot: string;

beforeAll(async () => {
  saveRoot = mkdtempSync(join(tmpdir(), 'rivya-batch-save-'));
  stack = await startTestStack({
    workflowsPath: require.resolve('../../src/worker/workflows'),
    // Saving downloads the simulator's video over loopback http: allowed for this test worker only.
    plugin: { saveDirectory: saveRoot, referenceUrlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const items = (count: number, prompt = 'a lighthouse at dusk') =>
  Array.from({ length: count }, (_, i) => ({ prompt: `[sim:succeed] ${prompt} #${i}` }));

const batch = (input: Partial<Sora2BatchInput>): Sora2BatchInput => ({ defaults: { polling: FAST_POLLING }, ...input });

/** Tasks the simulator created for this batch's children (their Idempotency-Key is the child id). */
function tasksOf(simulator: RivyaSimulator, batchId: string) {
  return simulator.stats().tasks.filter((task) => task.idempotencyKey?.startsWith(`${batchId}/`));
}

/** The most tasks that were between created and ended at the same instant. */
function maxOverlap(tasks: { createdAt: string; terminalAt: string }[]): number {
  const edges = tasks.flatMap((task) => [
    { at: Date.parse(task.createdAt), delta: 1 },
    { at: Date.parse(task.terminalAt), delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const edge of edges) max = Math.max(max, (current += edge.delta));
  return max;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

test('a 20-item batch: each item one task, never more than the cap in flight, across continue-as-new', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [100, 300], processingMs: { default: [400, 1_200] } } });
  const batchId = nextId('batch20');
  const walletBefore = simulator.stats().wallets.acct_primary!;
  const handle = await startSora2Batch(env.client, batch({ items: items(20), concurrency: 4, maxChildrenPerRun: 7 }), {
    batchId,
    taskQueue,
  });
  const result: Sora2BatchResult = await handle.result();

  expect(result.counts).toEqual({ total: 20, queued: 0, running: 0, succeeded: 20, failed: 0, cancelled: 0, skipped: 0 });
  expect(result.items.map((item) => item.key).sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)).sort());
  const tasks = tasksOf(simulator, batchId);
  // One task per child id, and the result names exactly those tasks.
  expect(tasks).toHaveLength(20);
  for (let i = 0; i < 20; i += 1) expect(simulator.stats().tasksPerIdempotencyKey[childWorkflowId(batchId, String(i))]).toBe(1);
  expect(result.items.map((item) => item.taskId).sort()).toEqual(tasks.map((task) => task.id).sort());
  // The cap held, and the batch did run items side by side.
  const overlap = maxOverlap(tasks);
  expect(overlap).toBeLessThanOrEqual(4);
  expect(overlap).toBeGreaterThanOrEqual(2);
  // Credits: what the ledger charged is what the batch says it spent.
  expect(result.credits.spent).toBe(20 * SORA_2_PRICE);
  expect(result.credits.walletAtStart).toBe(walletBefore);
  expect(walletBefore - simulator.stats().wallets.acct_primary!).toBe(20 * SORA_2_PRICE);
  // 20 starts at 7 per run: at least two continue-as-new, and a later run waited for children an
  // earlier one had started (sora2AwaitChild), instead of starting them again.
  expect(result.continuedAsNew).toBeGreaterThanOrEqual(2);
  const runs = await fetchAllRuns(env.client, batchId);
  const awaited = runs.flatMap((run) =>
    (run.history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'sora2AwaitChild'),
  );
  expect(awaited.length).toBeGreaterThan(0);
});

test('a budget exactly enough runs every item; one credit short is BudgetExceeded with nothing started', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [50, 100], processingMs: { default: [200, 300] } } });
  const short = nextId('budget-short');
  const failure = await failureOf(
    startSora2Batch(env.client, batch({ items: items(3), budget: 3 * SORA_2_PRICE - 1 }), { batchId: short, taskQueue }).then((h) =>
      h.result(),
    ),
  );
  expect(failure.type).toBe(BatchFailureTypes.BudgetExceeded);
  expect(failure.details?.[0]).toMatchObject({ required: 18, budget: 17 });
  expect(tasksOf(simulator, short)).toHaveLength(0);
  expect(await env.client.workflow.count(`RivyaBatchId = '${short}' AND WorkflowType = 'sora2Generation'`)).toMatchObject({ count: 0 });

  const exact = nextId('budget-exact');
  const result = await (
    await startSora2Batch(env.client, batch({ items: items(3), budget: 3 * SORA_2_PRICE, concurrency: 3 }), { batchId: exact, taskQueue })
  ).result();
  expect(result.counts.succeeded).toBe(3);
  expect(result.credits).toMatchObject({ budget: 18, spent: 18 });
  expect(tasksOf(simulator, exact)).toHaveLength(3);
  // Operators list a batch's items by its search attribute.
  await waitFor(async () =>
    (await env.client.workflow.count(`RivyaBatchId = '${exact}' AND WorkflowType = 'sora2Generation'`)).count === 3 ? true : undefined,
  );
});

test('a wallet that cannot cover the batch refuses it before anything starts', async () => {
  const { simulator, env, taskQueue } = stack;
  const wallet = simulator.stats().wallets.acct_primary!;
  simulator.store.wallets.set('acct_primary', 2 * SORA_2_PRICE);
  try {
    const batchId = nextId('wallet-short');
    const failure = await failureOf(
      startSora2Batch(env.client, batch({ items: items(3) }), { batchId, taskQueue }).then((h) => h.result()),
    );
    expect(failure.type).toBe(BatchFailureTypes.BudgetExceeded);
    expect(failure.details?.[0]).toMatchObject({ required: 18, wallet: 12 });
    expect(failure.message).toContain('nothing was started');
    expect(tasksOf(simulator, batchId)).toHaveLength(0);
  } finally {
    simulator.store.wallets.set('acct_primary', wallet);
  }
});

test('invalid items are refused by the client helper before anything starts, every one named', async () => {
  const { simulator, env, taskQueue } = stack;
  const batchId = nextId('invalid');
  const err = await startSora2Batch(
    env.client,
    batch({
      items: [
        { prompt: 'fine' },
        { prompt: '' },
        { key: 'a', prompt: 'x', params: { n_frames: '99' } as never },
        { key: 'a', prompt: 'y' },
      ],
    }),
    { batchId, taskQueue },
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Sora2BatchInputError);
  const paths = (err as Sora2BatchInputError).issues.map((issue) => issue.path);
  expect(paths).toEqual(expect.arrayContaining(['items.1.prompt', 'items.2.params.n_frames', 'items.3.key']));
  expect(paths.some((path) => path.startsWith('items.0'))).toBe(false);
  expect(tasksOf(simulator, batchId)).toHaveLength(0);
  await expect(env.client.workflow.getHandle(batchId).describe()).rejects.toThrow(/not found/i);
  // A batch id too long for `<batchId>/<key>` to fit Rivya's 128 characters is refused too.
  await expect(startSora2Batch(env.client, batch({ items: items(1) }), { batchId: 'b'.repeat(64), taskQueue })).rejects.toThrow(/batchId/);
});

test('failures: continue collects every outcome with refunds returned; stop skips the rest and starts nothing more', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [50, 100], processingMs: { default: [200, 300] } } });
  const mixed = [
    { key: 'ok-1', prompt: '[sim:succeed] one' },
    { key: 'bad', prompt: '[sim:fail] two' },
    { key: 'ok-2', prompt: '[sim:succeed] three' },
  ];
  const continued = nextId('continue');
  const result = await (
    await startSora2Batch(env.client, batch({ items: mixed, concurrency: 3 }), { batchId: continued, taskQueue })
  ).result();
  expect(result.counts).toMatchObject({ succeeded: 2, failed: 1, skipped: 0 });
  const bad = result.items.find((item) => item.key === 'bad')!;
  expect(bad).toMatchObject({ status: 'failed', credits: 0, error: { type: 'GenerationFailed' } });
  expect(bad.taskId).toMatch(/^task_/);
  // The failed task's reservation came back: only the two successes are spent.
  expect(result.credits.spent).toBe(2 * SORA_2_PRICE);
  expect(tasksOf(simulator, continued)).toHaveLength(3);

  const stopped = nextId('stop');
  const stopResult = await (
    await startSora2Batch(env.client, batch({ items: [mixed[1]!, mixed[0]!, mixed[2]!], concurrency: 1, onFailure: 'stop' }), {
      batchId: stopped,
      taskQueue,
    })
  ).result();
  expect(stopResult.stop).toMatchObject({ reason: 'item-failed', key: 'bad' });
  expect(stopResult.counts).toMatchObject({ failed: 1, skipped: 2, succeeded: 0 });
  expect(
    stopResult.items
      .filter((item) => item.status === 'skipped')
      .map((item) => item.key)
      .sort(),
  ).toEqual(['ok-1', 'ok-2']);
  // Only the failed item ever reached Rivya.
  expect(tasksOf(simulator, stopped).map((task) => task.idempotencyKey)).toEqual([childWorkflowId(stopped, 'bad')]);
});

test('operators: status query, addItems (validated, with a result) and cancelRemaining', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [300, 300], processingMs: { default: [1_500, 1_500] } } });
  const batchId = nextId('operate');
  const handle = await startSora2Batch(env.client, batch({ items: items(2), concurrency: 1, budget: 10 * SORA_2_PRICE }), {
    batchId,
    taskQueue,
  });
  const status = await waitFor(async () => {
    const current = await handle.query(sora2BatchStatusQuery).catch(() => undefined);
    return current && current.counts.running === 1 ? current : undefined;
  }, 20_000);
  expect(status.counts).toMatchObject({ total: 2, queued: 1, running: 1 });
  expect(status.credits).toMatchObject({ budget: 60, reserved: SORA_2_PRICE });

  // Refused without history: an invalid item, an over-budget lot, a duplicate key.
  await expect(handle.executeUpdate(sora2BatchAddItemsUpdate, { args: [[{ prompt: '' }]] })).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(handle.executeUpdate(sora2BatchAddItemsUpdate, { args: [items(9)] })).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(handle.executeUpdate(sora2BatchAddItemsUpdate, { args: [[{ key: '0', prompt: 'again' }]] })).rejects.toThrow(
    WorkflowUpdateFailedError,
  );
  const added = await handle.executeUpdate(sora2BatchAddItemsUpdate, {
    args: [[{ key: 'extra', prompt: '[sim:succeed] more' }, { prompt: '[sim:succeed] more' }]],
  });
  expect(added.keys).toEqual(['extra', '3']);
  expect(added.queued).toBeGreaterThanOrEqual(2);
  expect(added.committedWorstCase).toBe(4 * SORA_2_PRICE);

  const cancelled = await handle.executeUpdate(sora2BatchCancelRemainingUpdate, { args: [{}] });
  expect(cancelled.cancelled).toBe(0);
  const result = await handle.result();
  expect(cancelled.skipped).toBe(result.counts.skipped);
  expect(result.counts.skipped).toBeGreaterThanOrEqual(2);
  expect(result.counts.total).toBe(4);
  expect(result.stop).toMatchObject({ reason: 'operator' });
  // Skipped items never reached Rivya; every item that started did, once.
  const tasks = tasksOf(simulator, batchId);
  expect(tasks).toHaveLength(result.counts.succeeded);
  for (const item of result.items.filter((i) => i.status === 'skipped')) expect(item.taskId).toBeNull();
  await expect(handle.executeUpdate(sora2BatchAddItemsUpdate, { args: [items(1)] })).rejects.toThrow();
});

test('a batch terminated mid-way and started again under its id pays for no item twice', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [200, 200], processingMs: { default: [1_000, 1_500] } } });
  const batchId = nextId('restart');
  const input = batch({ items: items(6, 'restart'), concurrency: 2 });
  const first = await startSora2Batch(env.client, input, { batchId, taskQueue });
  await waitFor(() => (tasksOf(simulator, batchId).length >= 3 ? true : undefined), 30_000);
  await first.terminate('test: the batch dies mid-way');
  const result = await (await startSora2Batch(env.client, input, { batchId, taskQueue })).result();
  expect(result.counts.succeeded).toBe(6);
  const stats = simulator.stats();
  for (let i = 0; i < 6; i += 1) expect(stats.tasksPerIdempotencyKey[childWorkflowId(batchId, String(i))]).toBe(1);
  expect(result.items.map((item) => item.taskId).sort()).toEqual(
    tasksOf(simulator, batchId)
      .map((task) => task.id)
      .sort(),
  );
});

test('variants: one prompt N times under distinct keys; stop with cancel-running cancels the items in flight', async () => {
  const { simulator, env, taskQueue } = stack;
  // The simulator's task time goes by n_frames: the failing item is quick, the variants slow.
  simulator.configure({ timing: { queuedMs: [100, 100], processingMs: { default: [200, 200], '15': [5_000, 5_000] } } });
  const batchId = nextId('variants');
  const result = await (
    await startSora2Batch(
      env.client,
      batch({
        items: [{ key: 'fails', prompt: '[sim:fail] first' }],
        variants: { count: 3, item: { key: 'cat', prompt: '[sim:succeed] a cat', params: { n_frames: '15' } } },
        concurrency: 4,
        onFailure: 'stop',
        onStop: 'cancel-running',
      }),
      { batchId, taskQueue },
    )
  ).result();
  expect(result.items.map((item) => item.key).sort()).toEqual(['cat-0', 'cat-1', 'cat-2', 'fails']);
  // All four started together; the failing one ended first, which stopped the batch and cancelled the variants.
  expect(result.stop).toMatchObject({ reason: 'item-failed', key: 'fails', cancelRunning: true });
  const variants = result.items.filter((item) => item.key.startsWith('cat-'));
  for (const item of variants) expect(item).toMatchObject({ status: 'cancelled', error: { type: 'GenerationCancelled' } });
  // Rivya has no cancel: each variant's task was created once and is still reserved (counted, not refunded).
  expect(tasksOf(simulator, batchId)).toHaveLength(4);
  for (const item of variants) expect(item.credits).toBe(SORA_2_PRICE);
  expect(result.credits.spent).toBe(3 * SORA_2_PRICE);
});

test('cancelling the batch skips queued items, cancels running children and ends BatchCancelled', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [100, 100], processingMs: { default: [4_000, 4_000] } } });
  const batchId = nextId('cancel');
  const handle = await startSora2Batch(env.client, batch({ items: items(5), concurrency: 2 }), { batchId, taskQueue });
  await waitFor(() => (tasksOf(simulator, batchId).length === 2 ? true : undefined), 20_000);
  await handle.cancel();
  const failure = await failureOf(handle.result());
  expect(failure.type).toBe(BatchFailureTypes.BatchCancelled);
  expect(failure.details?.[0]).toMatchObject({ counts: { skipped: 3, cancelled: 2, succeeded: 0 } });
  expect(tasksOf(simulator, batchId)).toHaveLength(2);
  for (const key of ['0', '1']) {
    const child = await env.client.workflow.getHandle(childWorkflowId(batchId, key)).describe();
    expect(child.status.name).not.toBe('RUNNING');
  }
});

test('a worker SIGKILLed mid-batch: a new worker finishes it, one task per child id', async () => {
  const { simulator, env } = stack;
  simulator.configure({ timing: { queuedMs: [200, 400], processingMs: { default: [1_500, 2_500] } } });
  const taskQueue = `batch-kill-${process.pid}`;
  const spawn = () => spawnWorkerProcess({ temporalAddress: env.address, taskQueue, rivyaBaseUrl: simulator.url, apiKey: TEST_API_KEY });
  let worker = await spawn();
  const batchId = nextId('killed-batch');
  try {
    const handle = await startSora2Batch(env.client, batch({ items: items(8, 'crash'), concurrency: 3 }), { batchId, taskQueue });
    await waitFor(() => (tasksOf(simulator, batchId).length >= 3 ? true : undefined), 30_000);
    await worker.kill('SIGKILL');
    worker = await spawn();
    const result = await handle.result();
    expect(result.counts.succeeded).toBe(8);
    const stats = simulator.stats();
    for (let i = 0; i < 8; i += 1) expect(stats.tasksPerIdempotencyKey[childWorkflowId(batchId, String(i))]).toBe(1);
    expect(tasksOf(simulator, batchId)).toHaveLength(8);
    expect(maxOverlap(tasksOf(simulator, batchId))).toBeLessThanOrEqual(3);
  } finally {
    await worker.kill('SIGTERM');
  }
});

test('save: every child saves its video under save.to, and the result lists each location', async () => {
  const { simulator, env, taskQueue } = stack;
  simulator.configure({ timing: { queuedMs: [50, 100], processingMs: { default: [200, 300] } } });
  const batchId = nextId('save');
  const result = await (
    await startSora2Batch(env.client, batch({ items: items(3, 'saved'), concurrency: 3, save: { to: 'batches/launch' } }), {
      batchId,
      taskQueue,
    })
  ).result();
  expect(result.counts.succeeded).toBe(3);
  for (const item of result.items) {
    expect(item.location).not.toBeNull();
    expect(item.location!.startsWith(join(saveRoot, 'batches', 'launch'))).toBe(true);
    expect(existsSync(item.location!)).toBe(true);
    expect(statSync(item.location!).size).toBeGreaterThan(0);
  }
  expect(new Set(result.items.map((item) => item.location)).size).toBe(3);
});
