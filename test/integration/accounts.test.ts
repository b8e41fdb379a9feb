/**
 * Which account pays (#28 item 5), on the real dev server and the simulator: a run's `account` is
 * charged to that account's wallet (the simulator keeps a ledger per key), runs without one pay with
 * the default key as before, an unknown name is refused before anything is uploaded or created, no
 * key reaches history, and one webhook receiver completes runs of both accounts.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeSora2Batch, executeSora2Generation, RIVYA_ACCOUNT, RIVYA_TASK_STATUS, type Sora2GenerationInput } from '../../src';
import { assetPath } from '../../src/internal/package-root';
import { FAST_POLLING, generationFailureOf, useTestStack } from '../helpers/stack';
import { startWebhookReceiver } from '../../src/entry/webhooks';
import { clientFor, OTHER_ACCOUNT_KEY, TEST_API_KEY } from '../helpers/simulator';
import { nextId } from '../helpers/ids';
import { payloadsIn } from '../helpers/histories';

/** The simulator's accounts behind the two test keys (test/helpers/simulator.ts). */
const PRIMARY = 'acct_primary';
const OTHER = 'acct_other';
/** Known to the worker only through its key provider. */
const PROVIDED = 'tenant-via-provider';

const stack = useTestStack({
  // The package's own workflows module: the generation and the batch.
  workflowsPath: require.resolve('../../src/worker/workflows'),
  plugin: {
    accounts: { 'team-other': OTHER_ACCOUNT_KEY },
    apiKeyFor: (name) => (name === PROVIDED ? OTHER_ACCOUNT_KEY : undefined),
  },
});

const input = (extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt: '[sim:succeed] a harbour at dusk, slow pan',
  polling: FAST_POLLING,
  ...extra,
});

/** The simulator's reservations of a task: which wallet paid. */
const payersOf = (taskId: string) =>
  stack.simulator.store.ledger.filter((entry) => entry.taskId === taskId && entry.kind === 'reserve').map((entry) => entry.account);

/** The history as JSON plus every payload decoded (payload data is base64 in the JSON). */
async function historyText(workflowId: string): Promise<string> {
  const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
  const decoded = payloadsIn(history).map(({ payload }) => {
    const data = payload.data as Uint8Array | string | null | undefined;
    return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data ?? new Uint8Array()).toString('utf8');
  });
  return [JSON.stringify(history), ...decoded].join('\n');
}

function expectNoKeyIn(text: string): void {
  for (const key of [TEST_API_KEY, OTHER_ACCOUNT_KEY]) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(Buffer.from(key).toString('base64'));
  }
}

test('each generation is charged to the wallet of the account it names; none named: the default key', async () => {
  const before = { primary: stack.simulator.store.balance(PRIMARY), other: stack.simulator.store.balance(OTHER) };
  const named = nextId('acct-named');
  const plain = nextId('acct-default');
  const [paidByOther, paidByDefault] = await Promise.all([
    executeSora2Generation(stack.env.client, input({ account: 'team-other' }), { workflowId: named, taskQueue: stack.taskQueue }),
    executeSora2Generation(stack.env.client, input(), { workflowId: plain, taskQueue: stack.taskQueue }),
  ]);
  expect(payersOf(paidByOther.taskId)).toEqual([OTHER]);
  expect(payersOf(paidByDefault.taskId)).toEqual([PRIMARY]);
  expect(stack.simulator.store.balance(OTHER)).toBe(before.other - paidByOther.credits.final);
  expect(stack.simulator.store.balance(PRIMARY)).toBe(before.primary - paidByDefault.credits.final);

  const namedRun = await stack.env.client.workflow.getHandle(named).describe();
  expect(namedRun.typedSearchAttributes.get(RIVYA_ACCOUNT)).toBe('team-other');
  const plainRun = await stack.env.client.workflow.getHandle(plain).describe();
  expect(plainRun.typedSearchAttributes.get(RIVYA_ACCOUNT)).toBeUndefined();
  // The list per account: visibility finds the named run by its account.
  const listed = await stack.env.client.workflow.count(`RivyaAccount = 'team-other' AND WorkflowId = '${named}'`);
  expect(listed.count).toBe(1);

  const history = await historyText(named);
  expect(history).toContain('team-other');
  expectNoKeyIn(history);
  expectNoKeyIn(await historyText(plain));
});

test("a reference is uploaded with the named account's key, and a key provider's account pays too", async () => {
  copyFileSync(assetPath('sample-reference.png'), join(stack.referenceDir, 'harbour.png'));
  const workflowId = nextId('acct-provider');
  const result = await executeSora2Generation(stack.env.client, input({ account: PROVIDED, reference: { path: 'harbour.png' } }), {
    workflowId,
    taskQueue: stack.taskQueue,
  });
  expect(stack.simulator.store.files.get(result.reference!.fileId)!.account).toBe(OTHER);
  expect(payersOf(result.taskId)).toEqual([OTHER]);
  expectNoKeyIn(await historyText(workflowId));
});

test('an unknown account is refused before anything is uploaded or created: UnknownAccount, nothing paid', async () => {
  copyFileSync(assetPath('sample-reference.png'), join(stack.referenceDir, 'refused.png'));
  const ledgerBefore = stack.simulator.store.ledger.length;
  const filesBefore = stack.simulator.store.files.size;
  const tasksBefore = stack.simulator.store.tasks.size;
  const handle = await stack.start(input({ account: 'nobody-knows', reference: { path: 'refused.png' } }), 'acct-unknown');
  const { failure, details } = await generationFailureOf(handle);
  expect(failure.type).toBe('UnknownAccount');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('nobody-knows');
  expect(details).toMatchObject({ taskId: null, credits: null, remoteError: { code: 'UnknownAccount' } });
  expect(stack.simulator.store.ledger.length).toBe(ledgerBefore);
  expect(stack.simulator.store.files.size).toBe(filesBefore);
  expect(stack.simulator.store.tasks.size).toBe(tasksBefore);

  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(RIVYA_TASK_STATUS)).toBe('unknown_account');
  expect(description.typedSearchAttributes.get(RIVYA_ACCOUNT)).toBe('nobody-knows');
  // Refused by the dedicated check at the start (rivya-check-account): the upload was never scheduled.
  const history = await historyText(handle.workflowId);
  expect(history).toContain('rivyaCheckAccount');
  expect(history).not.toContain('rivyaUploadReference');
  expectNoKeyIn(history);
});

test('a key pasted as the account name is refused by the client before the run starts, and not repeated', async () => {
  const err = await executeSora2Generation(stack.env.client, input({ account: OTHER_ACCOUNT_KEY }), {
    workflowId: nextId('acct-pasted-key'),
    taskQueue: stack.taskQueue,
  }).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  expect(err).toBeInstanceOf(Error);
  expect(err!.message).toMatch(/account.*looks like an API key/);
  expect(err!.message).not.toContain(OTHER_ACCOUNT_KEY);
});

test("a batch's account: its wallet is read and every item paid with that account's key", async () => {
  const batchId = nextId('acct-batch');
  const result = await executeSora2Batch(
    stack.env.client,
    {
      account: 'team-other',
      items: [
        { key: 'a', ...input() },
        { key: 'b', ...input() },
      ],
      defaults: {},
    },
    { batchId, taskQueue: stack.taskQueue },
  );
  const taskIds = result.items.map((item) => item.taskId!);
  expect(taskIds).toHaveLength(2);
  for (const taskId of taskIds) expect(payersOf(taskId)).toEqual([OTHER]);
  expectNoKeyIn(await historyText(batchId));
});

test("webhooks across accounts: one receiver with each account's secret completes both accounts' runs", async () => {
  stack.simulator.reset({ webhooks: { allowLoopbackUrls: true, retryDelaysMs: [1_000, 1_000, 2_000] } as never });
  // Each account registers the same URL and gets its own signing secret.
  let receiver = await startWebhookReceiver({
    client: stack.env.client,
    secrets: ['whsec_' + Buffer.alloc(24, 1).toString('base64')],
    log: false,
  });
  const port = receiver.port;
  const secrets: string[] = [];
  for (const key of [TEST_API_KEY, OTHER_ACCOUNT_KEY]) {
    const created = await clientFor(stack.simulator, key).webhooks.create({
      name: 'accounts',
      url: receiver.url,
      event_types: ['generation.succeeded', 'generation.failed'],
    });
    secrets.push(created.signing_secret);
  }
  await receiver.close();
  receiver = await startWebhookReceiver({ client: stack.env.client, secrets, port, log: false });
  try {
    // The safety net waits 2 × 10 min: within the test only a webhook completes a run.
    const byWebhook = (extra: Partial<Sora2GenerationInput>) =>
      input({ polling: { expectedDurationMs: 600_000 }, completion: { webhooks: true }, ...extra });
    const [other, primary] = await Promise.all([
      executeSora2Generation(stack.env.client, byWebhook({ account: 'team-other' }), {
        workflowId: nextId('acct-hook'),
        taskQueue: stack.taskQueue,
      }),
      executeSora2Generation(stack.env.client, byWebhook({}), { workflowId: nextId('acct-hook-default'), taskQueue: stack.taskQueue }),
    ]);
    expect(other).toMatchObject({ completedBy: 'webhook', polls: 0 });
    expect(primary).toMatchObject({ completedBy: 'webhook', polls: 0 });
    expect(payersOf(other.taskId)).toEqual([OTHER]);
    expect(payersOf(primary.taskId)).toEqual([PRIMARY]);
  } finally {
    await receiver.close();
  }
});
