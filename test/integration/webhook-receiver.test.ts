/**
 * The webhook receiver (src/webhooks) over real sockets against a real Temporal dev server: Standard
 * Webhooks signatures with rotation and replay windows, size / type / method / envelope refusals
 * that never reach Temporal, routing by the RivyaTaskId search attribute to a running workflow, a
 * closed one, none (old task: not ours; fresh task: the visibility race, then a redelivery), Temporal
 * unreachable, counters, and logs that never carry a secret or a signature.
 *
 * The owner is a small fixture workflow (test/fixtures/webhook-target-workflow.ts), not the real
 * generation workflow: these tests are about the receiver's contract with whatever owns a task.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import {
  createRivyaWebhookHandler,
  parseWebhookSecrets,
  startWebhookReceiver,
  StandardWebhooksVerifier,
  WebhookConfigError,
  type OutcomeDetails,
  type RunningWebhookReceiver,
  type WebhookOutcome,
} from '../../src/webhooks';
import type { WebhookEventSignal } from '../../workflows/generation/messages';
import { DeliveryMemory } from '../../src/webhooks/delivery-memory';
import { RouteCache } from '../../src/webhooks/route-cache';
import { unknownTaskVerdict } from '../../src/webhooks/visibility-race';
import { RIVYA_TASK_ID } from '../../workflows/common/search-attributes';
import { claimTaskSignal, finishSignal, webhookTargetWorkflow } from '../fixtures/webhook-target-workflow';
import { nextId } from '../helpers/ids';
import { freePort } from '../helpers/ports';
import { startTestTemporal } from '../helpers/temporal-env';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const SECRET_NEW = newSecret();
const SECRET_OLD = newSecret();
/** Was active before a rotation finished, and is no longer configured. */
const SECRET_REMOVED = newSecret();
const ALL_SECRETS = [SECRET_NEW, SECRET_OLD, SECRET_REMOVED];

const taskQueue = 'webhook-receiver-test';
let env: TestWorkflowEnvironment;
let worker: Worker;
let workerRun: Promise<void>;
let receiver: RunningWebhookReceiver;
/** Every log line any receiver in this file wrote, and every signature header it was sent. */
const logLines: string[] = [];
const sentSignatures: string[] = [];
const outcomes: Array<{ outcome: WebhookOutcome; details: OutcomeDetails }> = [];

beforeAll(async () => {
  env = await startTestTemporal();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../fixtures/webhook-target-workflow'),
  });
  workerRun = worker.run();
  receiver = await startWebhookReceiver({
    client: env.client,
    secrets: [SECRET_NEW, SECRET_OLD],
    log: (line) => logLines.push(line),
    onOutcome: (outcome, details) => outcomes.push({ outcome, details }),
  });
});

afterAll(async () => {
  await receiver?.close();
  worker?.shutdown();
  await workerRun;
  await env?.teardown();
});

// ---------------------------------------------------------------------------------------------
// Deliveries as Rivya sends them (D8, S7, S10)

interface TaskObject {
  id: string;
  status: string;
  model: string;
  reserved_credits: number;
  final_credits: number;
  created_at: string;
  updated_at: string;
  result: { primary_url: string; urls: string[] } | null;
  error: { code: string; message: string } | null;
  [extra: string]: unknown;
}

const newTaskId = () => `task_${randomBytes(12).toString('hex')}`;
const newEventId = () => `evt_${randomBytes(12).toString('hex')}`;

function succeededTask(overrides: Partial<TaskObject> = {}): TaskObject {
  const created = new Date(Date.now() - 20_000).toISOString();
  return {
    id: newTaskId(),
    status: 'succeeded',
    model: 'sora-2',
    reserved_credits: 6,
    final_credits: 6,
    created_at: created,
    updated_at: new Date().toISOString(),
    result: {
      primary_url: 'https://cdn.example.test/v/1.mp4',
      urls: ['https://cdn.example.test/v/1.mp4', 'https://cdn.example.test/v/2.mp4'],
    },
    error: null,
    ...overrides,
  };
}

function envelope(task: TaskObject | Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    id: newEventId(),
    type: task.status === 'failed' ? 'generation.failed' : 'generation.succeeded',
    api_version: '2026-05-11',
    created_at: new Date().toISOString(),
    data: task,
    ...overrides,
  };
}

interface DeliveryOptions {
  secret?: string;
  /** The `webhook-id` header; default the envelope's id. */
  msgId?: string;
  signedAt?: Date;
  /** Sign this body but send `body` (tampering). */
  signedBody?: string;
  contentType?: string | null;
  method?: string;
  /** Headers to drop after signing. */
  without?: string[];
  extraHeaders?: Record<string, string>;
  url?: string;
}

interface Answer {
  status: number;
  outcome: string | undefined;
  headers: Headers;
}

async function deliver(event: Record<string, unknown> | string, options: DeliveryOptions = {}): Promise<Answer> {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const msgId = options.msgId ?? (typeof event === 'string' ? newEventId() : String(event.id));
  const signedAt = options.signedAt ?? new Date();
  const signature = new Webhook(options.secret ?? SECRET_NEW).sign(msgId, signedAt, options.signedBody ?? body);
  sentSignatures.push(signature);
  const headers: Record<string, string> = {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
    'webhook-signature': signature,
    ...options.extraHeaders,
  };
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  for (const name of options.without ?? []) delete headers[name];
  const method = options.method ?? 'POST';
  const response = await fetch(options.url ?? receiver.url, { method, headers, body: method === 'GET' ? undefined : body });
  const text = await response.text();
  let outcome: string | undefined;
  try {
    outcome = (JSON.parse(text) as { outcome?: string }).outcome;
  } catch {
    outcome = undefined;
  }
  return { status: response.status, outcome, headers: response.headers };
}

// ---------------------------------------------------------------------------------------------
// Owners

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until visibility lists the task's owner with this status. */
async function visible(taskId: string, status: 'RUNNING' | 'COMPLETED'): Promise<void> {
  await eventually(async () => {
    for await (const execution of env.client.workflow.list({ query: `${RIVYA_TASK_ID.name} = '${taskId}'` })) {
      if (execution.status.name === status) return true;
    }
    return undefined;
  });
}

/** A running owner of `taskId` (claimed at start), visible to the receiver. */
async function startOwner(taskId?: string): Promise<WorkflowHandle<typeof webhookTargetWorkflow>> {
  const handle = await env.client.workflow.start(webhookTargetWorkflow, {
    taskQueue,
    workflowId: nextId('webhook-owner'),
    ...(taskId ? { typedSearchAttributes: [{ key: RIVYA_TASK_ID, value: taskId }] } : {}),
  });
  if (taskId) await visible(taskId, 'RUNNING');
  return handle;
}

async function finish(handle: WorkflowHandle<typeof webhookTargetWorkflow>): Promise<WebhookEventSignal[]> {
  await handle.signal(finishSignal);
  return handle.result();
}

/** `sora2WebhookEvent` signals in the owner's history: what the receiver actually sent it. */
async function webhookSignals(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'sora2WebhookEvent')
    .length;
}

const count = (outcome: WebhookOutcome) => receiver.stats().byOutcome[outcome];

// ---------------------------------------------------------------------------------------------

test('a signed generation.succeeded reaches its running owner as exactly the task snapshot; a next event for the task takes the cached route', async () => {
  const task = succeededTask({ some_future_field: { nested: true } });
  const owner = await startOwner(task.id);
  const event = envelope(task);

  const first = await deliver(event);
  expect(first).toMatchObject({ status: 200, outcome: 'signalled' });
  // Another event for the same task (a redelivery of the *same* event is a duplicate, see below).
  const hitsBefore = receiver.stats().routeCache.hits;
  const next = { ...event, id: newEventId() };
  expect(await deliver(next)).toMatchObject({ status: 200, outcome: 'signalled' });
  expect(receiver.stats().routeCache.hits).toBe(hitsBefore + 1);

  const expected: WebhookEventSignal = {
    eventId: event.id,
    type: 'generation.succeeded',
    createdAt: event.created_at,
    task: {
      id: task.id,
      status: 'succeeded',
      reservedCredits: 6,
      finalCredits: 6,
      createdAt: task.created_at,
      updatedAt: task.updated_at,
      videoUrls: ['https://cdn.example.test/v/1.mp4', 'https://cdn.example.test/v/2.mp4'],
      error: null,
    },
  };
  expect(await finish(owner)).toEqual([expected, { ...expected, eventId: next.id }]);
  const last = outcomes.filter((entry) => entry.details.eventId === event.id);
  expect(last.map((entry) => entry.outcome)).toEqual(['signalled']);
  expect(last[0]!.details).toMatchObject({
    status: 200,
    taskId: task.id,
    workflowIds: [owner.workflowId],
    eventType: 'generation.succeeded',
  });
});

test('a generation.failed event carries the task error', async () => {
  const task = succeededTask({
    status: 'failed',
    final_credits: 0,
    result: null,
    error: { code: 'generation_failed', message: 'the model refused' },
  });
  const owner = await startOwner(task.id);
  const event = envelope(task);
  expect(await deliver(event)).toMatchObject({ status: 200, outcome: 'signalled' });
  const [received] = await finish(owner);
  expect(received).toMatchObject({
    type: 'generation.failed',
    task: { status: 'failed', finalCredits: 0, videoUrls: [], error: { code: 'generation_failed', message: 'the model refused' } },
  });
});

test('forged, tampered, unsigned, stale, future and replayed deliveries: 401, and the owner is never signalled', async () => {
  const task = succeededTask();
  const owner = await startOwner(task.id);
  const event = envelope(task);
  const body = JSON.stringify(event);
  const badSignatureBefore = count('bad-signature');
  const staleBefore = count('stale-timestamp');

  const refused = [
    await deliver(event, { secret: newSecret() }), // someone else's secret
    await deliver(event, { secret: SECRET_REMOVED }), // a secret dropped after a rotation
    await deliver(body.replace('"succeeded"', '"failed"  '), { msgId: event.id, signedBody: body }), // tampered after signing
    await deliver(event, { without: ['webhook-signature'] }),
    await deliver(event, { without: ['webhook-timestamp'] }),
    await deliver(event, { without: ['webhook-id'] }),
    await deliver(event, { extraHeaders: { 'webhook-timestamp': 'yesterday' } }),
    await deliver(event, { extraHeaders: { 'webhook-signature': 'v1,' + Buffer.alloc(32).toString('base64') } }),
    await deliver(event, { extraHeaders: { 'webhook-id': newEventId() } }), // a signature made for another id
  ];
  for (const answer of refused) expect(answer).toMatchObject({ status: 401, outcome: 'bad-signature' });

  const stale = [
    await deliver(event, { signedAt: new Date(Date.now() - 10 * 60_000) }), // a replay of a 10-minute-old delivery
    await deliver(event, { signedAt: new Date(Date.now() - 301_000) }), // just outside the 300 s window
    await deliver(event, { signedAt: new Date(Date.now() + 10 * 60_000) }), // from the future
  ];
  for (const answer of stale) expect(answer).toMatchObject({ status: 401, outcome: 'stale-timestamp' });

  expect(count('bad-signature') - badSignatureBefore).toBe(refused.length);
  expect(count('stale-timestamp') - staleBefore).toBe(stale.length);
  expect(await webhookSignals(owner)).toBe(0);
  expect(await finish(owner)).toEqual([]);
});

test('rotation: deliveries signed with either active secret are accepted, also when the header carries both signatures', async () => {
  const task = succeededTask();
  const owner = await startOwner(task.id);
  const byNew = envelope(task);
  const byOld = envelope(task);
  expect(await deliver(byNew, { secret: SECRET_NEW })).toMatchObject({ status: 200, outcome: 'signalled' });
  expect(await deliver(byOld, { secret: SECRET_OLD })).toMatchObject({ status: 200, outcome: 'signalled' });

  // Standard Webhooks allows several space-separated signatures (e.g. one per key during a rotation).
  const both = envelope(task);
  const signedAt = new Date();
  const removed = new Webhook(SECRET_REMOVED).sign(both.id, signedAt, JSON.stringify(both));
  const current = new Webhook(SECRET_OLD).sign(both.id, signedAt, JSON.stringify(both));
  sentSignatures.push(removed, current);
  expect(await deliver(both, { signedAt, extraHeaders: { 'webhook-signature': `${removed} ${current}` } })).toMatchObject({
    status: 200,
    outcome: 'signalled',
  });
  expect((await finish(owner)).map((event) => event.eventId)).toEqual([byNew.id, byOld.id, both.id]);
});

// ---------------------------------------------------------------------------------------------
// Replays within the timestamp window (a signature proves who, not when-first)

test('one captured genuine delivery replayed 20 times, one after another and at once: one signal; every copy 200 duplicate', async () => {
  const task = succeededTask();
  const owner = await startOwner(task.id);
  const event = envelope(task);
  // The same signing time each time: byte-for-byte the captured request (HMAC is deterministic).
  const signedAt = new Date();
  const replay = () => deliver(event, { signedAt });

  expect(await replay()).toMatchObject({ status: 200, outcome: 'signalled' });
  const copies: Answer[] = [];
  for (let i = 0; i < 10; i += 1) copies.push(await replay());
  copies.push(...(await Promise.all(Array.from({ length: 10 }, replay))));
  for (const copy of copies) expect(copy).toMatchObject({ status: 200, outcome: 'duplicate' });

  // Counted once the owner has finished: a signal that arrives during a workflow task is buffered
  // and shows in the history only after that task.
  expect((await finish(owner)).map((received) => received.eventId)).toEqual([event.id]);
  expect(await webhookSignals(owner)).toBe(1);
});

test('copies arriving while the first is still being routed share its fate: one signal for 20 concurrent copies', async () => {
  const task = succeededTask();
  const owner = await startOwner(task.id);
  const event = envelope(task);
  const signedAt = new Date();
  const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(event, { signedAt })));
  expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 200));
  expect(answers.filter((answer) => answer.outcome === 'signalled')).toHaveLength(1);
  expect(answers.filter((answer) => answer.outcome === 'duplicate')).toHaveLength(19);
  expect((await finish(owner)).map((received) => received.eventId)).toEqual([event.id]);
  expect(await webhookSignals(owner)).toBe(1);
});

test('a delivery that did not reach its workflow (Temporal unreachable: 503) is not remembered: the redelivery is signalled', async () => {
  let down = true;
  const flaky = await startWebhookReceiver({
    client: clientThatFailsWhile(() => down),
    secrets: [SECRET_NEW],
    log: (line) => logLines.push(line),
  });
  try {
    const task = succeededTask();
    const owner = await startOwner(task.id);
    const event = envelope(task);
    expect(await deliver(event, { url: flaky.url })).toMatchObject({ status: 503, outcome: 'temporal-unavailable' });
    expect(await deliver(event, { url: flaky.url })).toMatchObject({ status: 503, outcome: 'temporal-unavailable' });
    down = false;
    // Rivya's redelivery once Temporal is back: routed and signalled, then remembered.
    expect(await deliver(event, { url: flaky.url })).toMatchObject({ status: 200, outcome: 'signalled' });
    expect(await deliver(event, { url: flaky.url })).toMatchObject({ status: 200, outcome: 'duplicate' });
    expect((await finish(owner)).map((received) => received.eventId)).toEqual([event.id]);
    expect(await webhookSignals(owner)).toBe(1);
  } finally {
    await flaky.close();
  }
});

/** The test's Temporal client, except that every call of the receiver fails while `down()` says so. */
function clientThatFailsWhile(down: () => boolean): typeof env.client {
  const unavailable = () => {
    throw Object.assign(new Error('connection refused'), { name: 'ConnectionRefused' });
  };
  const workflow = new Proxy(env.client.workflow, {
    get: (target, property) => {
      if (down() && (property === 'list' || property === 'getHandle')) return unavailable;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(env.client, {
    get: (target, property) => {
      if (property === 'workflow') return workflow;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('a stricter timestamp window applies when configured; more than 300 s is refused at construction', async () => {
  const strict = await startWebhookReceiver({
    client: env.client,
    secrets: [SECRET_NEW],
    toleranceSeconds: 60,
    log: (line) => logLines.push(line),
  });
  try {
    const event = envelope(succeededTask({ created_at: new Date(Date.now() - 3_600_000).toISOString() }));
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    expect(await deliver(event, { url: strict.url, signedAt: twoMinutesAgo })).toMatchObject({ status: 401, outcome: 'stale-timestamp' });
    expect(await deliver(event, { url: strict.url, signedAt: new Date(Date.now() + 120_000) })).toMatchObject({
      status: 401,
      outcome: 'stale-timestamp',
    });
    // The default window (300 s) takes the same delivery: it is routed (an old, unknown task: 200).
    expect(await deliver(event, { signedAt: twoMinutesAgo })).toMatchObject({ status: 200, outcome: 'unknown-task' });
  } finally {
    await strict.close();
  }
  expect(() => new StandardWebhooksVerifier({ secrets: [SECRET_NEW], toleranceSeconds: 301 })).toThrow(WebhookConfigError);
  expect(() => new StandardWebhooksVerifier({ secrets: [SECRET_NEW], toleranceSeconds: 0 })).toThrow(WebhookConfigError);
});

test('an oversized body gets 413 before it is read to the end: declared too large, or streamed past the cap', async () => {
  const { port } = new URL(receiver.url);
  const tooLargeBefore = count('too-large');

  // Declares 10 MiB, sends 1 KiB, and waits: the answer comes without the rest.
  const declared = await rawExchange(Number(port), (socket) => {
    socket.write(
      'POST /webhooks/rivya HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `content-length: ${10 * 1024 * 1024}\r\nwebhook-id: evt_x\r\nwebhook-timestamp: 1\r\nwebhook-signature: v1,x\r\n\r\n`,
    );
    socket.write(Buffer.alloc(1024, 0x20));
  });
  expect(declared).toMatch(/^HTTP\/1\.1 413 /);
  expect(declared.toLowerCase()).toContain('connection: close');

  // Chunked, no length: 300 KiB streamed (cap 256 KiB), the body never ended by the sender.
  const streamed = await rawExchange(Number(port), (socket) => {
    socket.write(
      'POST /webhooks/rivya HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.alloc(30 * 1024, 0x20);
    for (let i = 0; i < 10; i += 1) socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
  });
  expect(streamed).toMatch(/^HTTP\/1\.1 413 /);
  expect(count('too-large') - tooLargeBefore).toBe(2);
});

test('a client that hangs up mid-body is counted malformed; nothing is routed', async () => {
  const before = count('malformed');
  const { port } = new URL(receiver.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  socket.write('POST /webhooks/rivya HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":');
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  await eventually(async () => (count('malformed') === before + 1 ? true : undefined), 5_000);
});

/** Writes with `send`, never ends the request, and resolves with what the server answered. */
async function rawExchange(port: number, send: (socket: ReturnType<typeof connect>) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer; got so far: ${answer.slice(0, 200)}`));
    }, 10_000);
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n\r\n') && /"outcome"/.test(answer)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', () => undefined); // a reset after the answer is expected: we did not finish sending
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('connect', () => send(socket));
  });
}

test('wrong or missing content type: 415; a GET on the delivery path: 405; health and other paths are not deliveries', async () => {
  const event = envelope(succeededTask());
  expect(await deliver(event, { contentType: 'text/plain' })).toMatchObject({ status: 415, outcome: 'wrong-content-type' });
  expect(await deliver(event, { contentType: 'application/json; charset=latin1' })).toMatchObject({ status: 415 });
  expect(await deliver(event, { contentType: null })).toMatchObject({ status: 415 });
  // charset=utf-8 is the same bytes: accepted (an old unknown task would be 200; this one is fresh → 409).
  expect((await deliver(event, { contentType: 'Application/JSON; charset=UTF-8' })).status).not.toBe(415);

  const get = await deliver(event, { method: 'GET' });
  expect(get).toMatchObject({ status: 405, outcome: 'method-not-allowed' });
  expect(get.headers.get('allow')).toBe('POST');

  const totalBefore = receiver.stats().total;
  const health = await fetch(new URL('/healthz', receiver.url));
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ ok: true });
  expect((await fetch(new URL('/elsewhere', receiver.url), { method: 'POST' })).status).toBe(404);
  expect(receiver.stats().total).toBe(totalBefore);
});

test('malformed envelopes and a webhook-id that is not the envelope id: 400, nothing routed; unknown event types: 200, counted', async () => {
  const task = succeededTask();
  const owner = await startOwner(task.id);
  const malformedBefore = count('malformed');

  const answers = [
    await deliver('{"id": "evt_1", "type": ', { msgId: 'evt_1' }), // not JSON (but signed)
    await deliver(envelope(task, { data: undefined })),
    await deliver(envelope(task, { id: 'not-an-event-id' })),
    await deliver(envelope({ ...task, reserved_credits: 'six' })),
    await deliver(envelope({ ...task, id: "task_x' OR WorkflowType = 'anything" })), // query injection attempt
    await deliver(envelope({ ...task, created_at: 'soon' })),
    await deliver(envelope(task), { msgId: newEventId() }), // header id ≠ envelope id (both signed)
  ];
  for (const answer of answers) expect(answer).toMatchObject({ status: 400, outcome: 'malformed' });
  expect(count('malformed') - malformedBefore).toBe(answers.length);
  expect(await webhookSignals(owner)).toBe(0);

  const ignoredBefore = count('ignored-event-type');
  const test = envelope({ message: 'hello from Rivya' }, { type: 'webhook.test' });
  expect(await deliver(test)).toMatchObject({ status: 200, outcome: 'ignored-event-type' });
  expect(count('ignored-event-type')).toBe(ignoredBefore + 1);
  expect(await finish(owner)).toEqual([]);
});

test('an event for a closed owner: 200 closed — found by visibility, or through a cached route', async () => {
  const task = succeededTask();
  const owner = await startOwner(task.id);
  await finish(owner);
  await visible(task.id, 'COMPLETED');
  expect(await deliver(envelope(task))).toMatchObject({ status: 200, outcome: 'closed' });

  // Cached while running, closed since: the cache entry is dropped and the answer is still "closed".
  const cachedTask = succeededTask();
  const cachedOwner = await startOwner(cachedTask.id);
  expect(await deliver(envelope(cachedTask))).toMatchObject({ status: 200, outcome: 'signalled' });
  await finish(cachedOwner);
  await visible(cachedTask.id, 'COMPLETED');
  const sizeBefore = receiver.stats().routeCache.size;
  expect(await deliver(envelope(cachedTask))).toMatchObject({ status: 200, outcome: 'closed' });
  expect(receiver.stats().routeCache.size).toBe(sizeBefore - 1);
});

test('an unknown task older than the grace window: 200 unknown-task (not ours, stop redelivering)', async () => {
  const before = count('unknown-task');
  const old = succeededTask({ created_at: new Date(Date.now() - 3 * 60_000).toISOString() });
  expect(await deliver(envelope(old))).toMatchObject({ status: 200, outcome: 'unknown-task' });
  expect(count('unknown-task')).toBe(before + 1);
});

test('the visibility race: a fresh task nobody has claimed yet gets 409 + Retry-After; the redelivery after the upsert is signalled', async () => {
  const task = succeededTask({ created_at: new Date().toISOString() });
  // The owner exists but has not recorded its task id yet (the real workflow upserts after its create call).
  const owner = await startOwner();
  const event = envelope(task);

  const early = await deliver(event);
  expect(early).toMatchObject({ status: 409, outcome: 'not-yet-visible' });
  expect(early.headers.get('retry-after')).toBe('5');
  expect(count('not-yet-visible')).toBeGreaterThanOrEqual(1);

  await owner.signal(claimTaskSignal, task.id);
  await visible(task.id, 'RUNNING');
  // Rivya's redelivery: the same event id, signed anew — the 409 was not remembered as delivered.
  expect(await deliver(event)).toMatchObject({ status: 200, outcome: 'signalled' });
  expect(await deliver(event)).toMatchObject({ status: 200, outcome: 'duplicate' });
  expect((await finish(owner)).map((received) => received.eventId)).toEqual([event.id]);
});

test('Temporal unreachable: 503 + Retry-After within the bound, while refusals still answer without it', async () => {
  const closedPort = await freePort();
  const unreachable = await startWebhookReceiver({
    connection: { address: `127.0.0.1:${closedPort}` },
    secrets: [SECRET_NEW],
    temporalTimeoutMs: 1_500,
    log: (line) => logLines.push(line),
  });
  try {
    const event = envelope(succeededTask());
    const started = Date.now();
    const answer = await deliver(event, { url: unreachable.url });
    expect(answer).toMatchObject({ status: 503, outcome: 'temporal-unavailable' });
    expect(answer.headers.get('retry-after')).toBe('5');
    // Liveness: the receiver gives up on Temporal after its 1.5 s timeout instead of holding the delivery.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await deliver(event, { url: unreachable.url, secret: SECRET_OLD })).toMatchObject({ status: 401 });
    expect(unreachable.stats().byOutcome).toMatchObject({ 'temporal-unavailable': 1, 'bad-signature': 1 });
  } finally {
    await unreachable.close();
  }
});

test('the handler plugs into a plain node:http server, and accepts a body a framework already read (req.rawBody)', async () => {
  const lines: string[] = [];
  const handler = createRivyaWebhookHandler({ client: env.client, secrets: [SECRET_NEW], log: (line) => lines.push(line) });
  // Like a framework with its own body parser: reads the bytes first, hands them over as rawBody.
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handler(Object.assign(req, { rawBody: Buffer.concat(chunks) }), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/anything`;
  try {
    const task = succeededTask();
    const owner = await startOwner(task.id);
    const event = envelope(task);
    expect(await deliver(event, { url })).toMatchObject({ status: 200, outcome: 'signalled' });
    expect(await deliver(event, { url, secret: SECRET_OLD })).toMatchObject({ status: 401 });
    expect((await finish(owner)).map((received) => received.eventId)).toEqual([event.id]);
    expect(handler.stats().byOutcome).toMatchObject({ signalled: 1, 'bad-signature': 1 });
    expect(lines).toHaveLength(2);

    // A JSON body parser that kept no raw bytes: nothing to verify, a server misconfiguration (500).
    const parsed = createServer((req, res) => void handler(Object.assign(req, { body: { id: 'evt_1' } }), res));
    await new Promise<void>((resolve) => parsed.listen(0, '127.0.0.1', resolve));
    try {
      const parsedUrl = `http://127.0.0.1:${(parsed.address() as AddressInfo).port}/`;
      expect(await deliver(event, { url: parsedUrl })).toMatchObject({ status: 500, outcome: 'internal-error' });
      expect(lines[2]).toMatch(/outcome=internal-error .*reason="the body was consumed before the webhook handler/);
    } finally {
      await new Promise<void>((resolve) => parsed.close(() => resolve()));
    }
    logLines.push(...lines);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the grace decision and the route cache on their own', () => {
  const now = Date.parse('2026-05-11T12:00:00.000Z');
  const at = (offsetMs: number) => new Date(now + offsetMs).toISOString();
  expect(unknownTaskVerdict(at(-119_000), now, 120_000).verdict).toBe('not-yet-visible');
  expect(unknownTaskVerdict(at(-121_000), now, 120_000).verdict).toBe('unknown-task');
  // A clock far ahead is not a reason to keep asking for redeliveries.
  expect(unknownTaskVerdict(at(30_000), now, 120_000).verdict).toBe('not-yet-visible');
  expect(unknownTaskVerdict(at(600_000), now, 120_000).verdict).toBe('unknown-task');
  expect(unknownTaskVerdict(at(0), now, 0).verdict).toBe('unknown-task');

  const cache = new RouteCache(2);
  cache.set('task_a', 'wf-a');
  cache.set('task_b', 'wf-b');
  expect(cache.get('task_a')).toBe('wf-a'); // a is now the most recently used
  cache.set('task_c', 'wf-c');
  expect([cache.get('task_a'), cache.get('task_b'), cache.get('task_c')]).toEqual(['wf-a', undefined, 'wf-c']);
  cache.delete('task_a');
  expect(cache.size).toBe(1);
  const off = new RouteCache(0);
  off.set('task_a', 'wf-a');
  expect(off.get('task_a')).toBeUndefined();
});

test('the delivery memory on its own: forgets after its window, keeps at most its capacity (oldest out)', () => {
  let clock = 0;
  const memory = new DeliveryMemory(2, 600_000, () => clock);
  memory.remember('evt_a');
  clock = 1_000;
  memory.remember('evt_b');
  expect([memory.has('evt_a'), memory.has('evt_b'), memory.size]).toEqual([true, true, 2]);
  clock = 2_000;
  memory.remember('evt_c');
  expect([memory.has('evt_a'), memory.has('evt_b'), memory.has('evt_c'), memory.size]).toEqual([false, true, true, 2]);
  clock = 601_000; // evt_b was remembered at 1 s: its window has just passed; evt_c's not yet
  expect([memory.has('evt_b'), memory.has('evt_c')]).toEqual([false, true]);
  clock = 700_000;
  expect(memory.size).toBe(0);
  const off = new DeliveryMemory(0, 600_000);
  off.remember('evt_a');
  expect(off.has('evt_a')).toBe(false);
});

test('RIVYA_WEBHOOK_SECRETS: space-separated (commas too), validated, at most 8, and no message repeats a secret', () => {
  expect(parseWebhookSecrets(`${SECRET_NEW} ${SECRET_OLD}`)).toEqual([SECRET_NEW, SECRET_OLD]);
  expect(parseWebhookSecrets(` ${SECRET_NEW},${SECRET_OLD}\n`)).toEqual([SECRET_NEW, SECRET_OLD]);
  expect(parseWebhookSecrets(`${SECRET_NEW} ${SECRET_NEW}`)).toEqual([SECRET_NEW]);

  const messageOf = (value: string | undefined) => {
    try {
      parseWebhookSecrets(value);
    } catch (err) {
      expect(err).toBeInstanceOf(WebhookConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a WebhookConfigError');
  };
  expect(messageOf(undefined)).toMatch(/RIVYA_WEBHOOK_SECRETS is not set/);
  expect(messageOf('   ')).toMatch(/RIVYA_WEBHOOK_SECRETS is not set/);
  const key = SECRET_NEW.slice('whsec_'.length);
  const cases = [key, `whsec_${key}!`, `${SECRET_NEW} whsec_${key.slice(0, 8)}`, `whsec_${key}`.replace('whsec_', 'whsek_')];
  for (const value of cases) {
    const message = messageOf(value);
    expect(message).not.toContain(key.slice(0, 12));
    expect(message).not.toContain(key.slice(0, 8));
  }
  expect(messageOf(`${SECRET_NEW} whsec_${key.slice(0, 8)}`)).toMatch(/secret #2/);
  expect(messageOf(Array.from({ length: 9 }, newSecret).join(' '))).toMatch(/at most 8/);
  expect(() => createRivyaWebhookHandler({ client: env.client, secrets: [] })).toThrow(/no webhook signing secret/);
});

test('one log line per delivery with outcome, event and task ids — and no secret or signature anywhere in them', () => {
  // Runs last: every delivery above was logged into logLines.
  expect(logLines.length).toBeGreaterThan(20);
  expect(logLines.filter((line) => line.startsWith('rivya-webhook outcome=')).length).toBe(logLines.length);
  expect(receiver.stats().total).toBe(outcomes.length);
  const text = logLines.join('\n');
  for (const secret of ALL_SECRETS) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice('whsec_'.length, 'whsec_'.length + 16));
  }
  for (const signature of sentSignatures) expect(text).not.toContain(signature.slice(3, 23));
  expect(
    logLines.some((line) => /outcome=signalled status=200 event=evt_\w+ type=generation\.succeeded task=task_\w+ workflow=/.test(line)),
  ).toBe(true);
});
