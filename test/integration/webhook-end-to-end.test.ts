/**
 * Completion by webhook, end to end over real sockets: the simulator signs and delivers (D8, S10),
 * the receiver verifies and routes by RivyaTaskId on the real dev server, the workflow takes the
 * event. Each delivery fault the simulator can inject is run through the whole path, and the
 * simulator's ledger says what every delivery was answered.
 */
import { sora2StatusQuery, startSora2Generation, type Sora2GenerationInput } from '../../src';
import { startWebhookReceiver, type RunningWebhookReceiver } from '../../src/entry/webhooks';
import type { WebhookDeliveryRecord } from '../../simulator/webhooks/endpoints';
import { nextId } from '../helpers/ids';
import { clientFor, waitFor } from '../helpers/simulator';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let receiver: RunningWebhookReceiver | undefined;
let endpoint: { id: string; secret: string };

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
});

/** A fresh simulator state, a receiver with `secrets`, and an endpoint registered for it. */
async function setUp(faults: { script?: string[] } = {}, timing = { queuedMs: [300, 300], processingMs: { default: [1_000, 1_000] } }) {
  await receiver?.close();
  stack.simulator.reset({
    timing: timing as never,
    webhooks: {
      allowLoopbackUrls: true,
      retryDelaysMs: [1_000, 1_000, 2_000, 5_000],
      faults: { script: faults.script ?? [], reorderMaxHoldMs: 2_000 } as never,
    },
  });
  receiver = await startWebhookReceiver({
    client: stack.env.client,
    secrets: ['whsec_' + Buffer.alloc(24, 1).toString('base64')],
    log: false,
  });
  const created = await clientFor(stack.simulator).webhooks.create({
    name: 'e2e',
    url: receiver.url,
    event_types: ['generation.succeeded', 'generation.failed'],
  });
  endpoint = { id: created.id, secret: created.signing_secret };
  // The real secret is known only now: restart the receiver with it, on the registered port.
  const port = receiver.port;
  await receiver.close();
  receiver = await startWebhookReceiver({ client: stack.env.client, secrets: [endpoint.secret], port, log: false });
}

const input = (extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt: '[sim:succeed] end to end',
  // The safety net waits 2 × 10 min: within a test, only a webhook completes the run.
  polling: { expectedDurationMs: 600_000 },
  completion: { webhooks: true },
  ...extra,
});

const statusReads = () => stack.simulator.stats().counters.getGeneration?.requests ?? 0;
const deliveries = (): WebhookDeliveryRecord[] => stack.simulator.store.webhooks.deliveries;

async function run(extra: Partial<Sora2GenerationInput> = {}) {
  const handle = await startSora2Generation(stack.env.client, input(extra), { workflowId: nextId('e2e'), taskQueue: stack.taskQueue });
  return { handle, result: await handle.result() };
}

async function signalsIn(workflowId: string): Promise<number> {
  const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'sora2WebhookEvent').length;
}

test('a signed delivery completes the generation: no status check, one signal, answered 200', async () => {
  await setUp();
  const { handle, result } = await run();
  expect(result.completedBy).toBe('webhook');
  expect(result.polls).toBe(0);
  expect(statusReads()).toBe(0);
  expect(await signalsIn(handle.workflowId)).toBe(1);
  expect(deliveries().map((d) => [d.kind, d.status])).toEqual([['genuine', 200]]);
  expect(receiver!.stats().byOutcome.signalled).toBe(1);
});

test('a dropped delivery: the safety-net check completes the generation', async () => {
  await setUp({ script: ['drop'] });
  const { result } = await run({ polling: { expectedDurationMs: 1_500, minIntervalMs: 1_000 } });
  expect(result.completedBy).toBe('poll');
  expect(result.polls).toBeGreaterThanOrEqual(1);
  expect(deliveries().map((d) => d.status)).toEqual([0]);
});

test('duplicated and reordered deliveries give one result and one task', async () => {
  await setUp({ script: ['duplicate', 'reorder'] });
  const first = await run();
  const second = await run();
  await stack.simulator.webhooksIdle();
  for (const { result } of [first, second]) expect(result.completedBy).toBe('webhook');
  expect(stack.simulator.stats().tasks).toHaveLength(2);
  // Every copy was acknowledged (signalled, or closed after the first ended the run).
  expect(deliveries().every((d) => d.status === 200)).toBe(true);
  const byKind = deliveries()
    .filter((d) => d.taskId === first.result.taskId)
    .map((d) => d.kind);
  expect(byKind.sort()).toEqual(['duplicate', 'genuine']);
});

test('forged and replayed deliveries are refused (401) and signal nothing; the genuine one completes', async () => {
  await setUp({ script: ['forged_signature', 'stale_replay'] });
  const forged = await run();
  const replayed = await run();
  for (const { result } of [forged, replayed]) expect(result.completedBy).toBe('webhook');
  const answered = (kind: string) =>
    deliveries()
      .filter((d) => d.kind === kind)
      .map((d) => d.status);
  expect(answered('forged')).toEqual([401]);
  expect(answered('stale-replay')).toEqual([401]);
  expect(answered('genuine')).toEqual([200, 200]);
  expect(await signalsIn(forged.handle.workflowId)).toBe(1);
  expect(await signalsIn(replayed.handle.workflowId)).toBe(1);
  expect(receiver!.stats().byOutcome).toMatchObject({ 'bad-signature': 1, 'stale-timestamp': 1, signalled: 2 });
});

test('rotation: with the new and old secrets active, deliveries signed with the new one are taken', async () => {
  await setUp();
  const rotated = await clientFor(stack.simulator).webhooks.rotateSecret(endpoint.id);
  const port = receiver!.port;
  await receiver!.close();
  receiver = await startWebhookReceiver({ client: stack.env.client, secrets: [rotated.signing_secret, endpoint.secret], port, log: false });
  expect((await run()).result.completedBy).toBe('webhook');
  // A receiver that still has only the old secret refuses the next delivery, and the generation waits.
  await receiver.close();
  receiver = await startWebhookReceiver({ client: stack.env.client, secrets: [endpoint.secret], port, log: false });
  const handle = await startSora2Generation(stack.env.client, input(), { workflowId: nextId('old-secret'), taskQueue: stack.taskQueue });
  await waitFor(() => (deliveries().some((d) => d.status === 401) ? true : undefined), 15_000);
  expect((await handle.query(sora2StatusQuery)).phase).toBe('polling');
  await handle.terminate('test done');
});

test('an event that arrives before the task id is visible is answered 409 and redelivered', async () => {
  // Tasks that end the moment they are created: the delivery beats the workflow's upsert of RivyaTaskId.
  await setUp({}, { queuedMs: [0, 0], processingMs: { default: [0, 0] } });
  const { result } = await run();
  expect(result.completedBy).toBe('webhook');
  const statuses = deliveries().map((d) => d.status);
  expect(statuses.at(-1)).toBe(200);
  expect(statuses.slice(0, -1).every((s) => s === 409)).toBe(true);
  expect(statuses.length).toBeGreaterThanOrEqual(2);
});

test('the receiver restarts mid-delivery: the redelivery completes the generation', async () => {
  await setUp({}, { queuedMs: [1_500, 1_500], processingMs: { default: [500, 500] } });
  const port = receiver!.port;
  await receiver!.close();
  const handle = await startSora2Generation(stack.env.client, input(), { workflowId: nextId('restart'), taskQueue: stack.taskQueue });
  // The first attempt finds no receiver (status 0); then it comes back on the registered port.
  await waitFor(() => (deliveries().length > 0 ? true : undefined), 15_000);
  receiver = await startWebhookReceiver({ client: stack.env.client, secrets: [endpoint.secret], port, log: false });
  const result = await handle.result();
  expect(result.completedBy).toBe('webhook');
  expect(deliveries()[0]!.status).toBe(0);
  expect(deliveries().at(-1)!.status).toBe(200);
});
