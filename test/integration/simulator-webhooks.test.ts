/**
 * The simulator's webhooks over real sockets (D8, S7, S10, S12, S13): endpoint management per
 * account and scope, D8's URL rules, signed deliveries on every terminal transition verified with
 * `standardwebhooks` by a real receiver on 127.0.0.1, S10 retries and disabling, each delivery
 * fault, secret rotation, the outage switch, and the ledger behind all of it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { RivyaSimulator } from '../../simulator/index';
import { deliveryLookup } from '../../simulator/webhooks/send';
import { adminAuth, OTHER_ACCOUNT_KEY, rawRequest, startTestSimulator, waitFor } from '../helpers/simulator';

/** A webhook receiver: records every request and answers the scripted statuses, then 200. */
interface Receiver {
  url: string;
  requests: Array<{ headers: Record<string, string>; body: string; at: number }>;
  statuses: number[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { requests: [], statuses: [] } as unknown as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.requests.push({ headers: flatHeaders(req.headers), body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.writeHead(receiver.statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/rivya`;
  receiver.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

/** What a receiver does first: the Standard Webhooks check (S7). Throws on a bad signature or timestamp. */
function verify(secret: string, request: { headers: Record<string, string>; body: string }): any {
  return new Webhook(secret).verify(request.body, request.headers);
}

const BASE_WEBHOOKS = { allowLoopbackUrls: true, retryDelaysMs: [40, 40, 40], timeoutMs: 2_000 };

let simulator: RivyaSimulator;
let receiver: Receiver;

beforeAll(async () => {
  simulator = await startTestSimulator({ webhooks: BASE_WEBHOOKS });
  receiver = await startReceiver();
});
beforeEach(() => {
  simulator.reset();
  receiver.requests.length = 0;
  receiver.statuses.length = 0;
});
afterAll(async () => {
  await simulator?.close();
  await receiver?.close();
});

const json = (body: unknown) => JSON.stringify(body);

async function createEndpoint(
  body: Record<string, unknown> = {},
  apiKey?: string,
): Promise<{ status: number; body: any; secret: string; id: string }> {
  const response = await rawRequest(simulator, '/api/v1/webhooks', {
    method: 'POST',
    apiKey,
    body: json({ name: 'local receiver', url: receiver.url, event_types: ['generation.succeeded', 'generation.failed'], ...body }),
  });
  return { ...response, secret: response.body.signing_secret, id: response.body.id };
}

/** Creates a generation and waits until its task ended and every delivery settled. */
async function runGeneration(prompt = '[sim:succeed] a paper boat on a pond'): Promise<any> {
  const created = await rawRequest(simulator, '/api/v1/generations', {
    method: 'POST',
    body: json({
      model: 'sora-2',
      prompt,
      params: { n_frames: '10', aspect_ratio: 'landscape', remove_watermark: 'false', upload_method: 's3' },
    }),
  });
  expect(created.status).toBe(202);
  const task = await waitFor(async () => {
    const read = await rawRequest(simulator, `/api/v1/generations/${created.body.id}`);
    return ['succeeded', 'failed'].includes(read.body.status) ? read.body : undefined;
  });
  await simulator.webhooksIdle();
  return task;
}

const ledger = async (query = ''): Promise<any[]> => {
  const response = await rawRequest(simulator, `/_simulator/webhook-deliveries${query}`, adminAuth(simulator));
  expect(response.status).toBe(200);
  return response.body;
};

describe('endpoint management (D8)', () => {
  test('create answers the endpoint with its signing secret, once; get and list never show it', async () => {
    const created = await createEndpoint();
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^whend_/),
      object: 'webhook_endpoint',
      name: 'local receiver',
      url: receiver.url,
      event_types: ['generation.succeeded', 'generation.failed'],
      status: 'active',
      secret_preview: `whsec_…${created.secret.slice(-4)}`,
      signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
      failure_count: 0,
      last_success_at: null,
      last_failure_at: null,
      disabled_at: null,
      revoked_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.any(String),
    });
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);

    const read = await rawRequest(simulator, `/api/v1/webhooks/${created.id}`);
    expect(read.status).toBe(200);
    const { signing_secret: _secret, ...withoutSecret } = created.body;
    expect(read.body).toEqual(withoutSecret);
    const listed = await rawRequest(simulator, '/api/v1/webhooks');
    expect(listed.body).toEqual({ object: 'list', data: [withoutSecret] });
    for (const text of [JSON.stringify(read.body), JSON.stringify(listed.body), JSON.stringify(simulator.stats())]) {
      expect(text).not.toContain(created.secret);
    }
  });

  test('patch changes name, url, event types and status; rotate gives a new secret once; delete revokes', async () => {
    const { id, secret } = await createEndpoint();
    const patched = await rawRequest(simulator, `/api/v1/webhooks/${id}`, {
      method: 'PATCH',
      body: json({ name: 'renamed', event_types: ['generation.failed'], status: 'disabled' }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'renamed',
      event_types: ['generation.failed'],
      status: 'disabled',
      disabled_at: expect.any(String),
    });
    expect(patched.body.signing_secret).toBeUndefined();
    const enabled = await rawRequest(simulator, `/api/v1/webhooks/${id}`, { method: 'PATCH', body: json({ status: 'active' }) });
    expect(enabled.body).toMatchObject({ status: 'active', disabled_at: null });

    const rotated = await rawRequest(simulator, `/api/v1/webhooks/${id}/rotate-secret`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.signing_secret).toMatch(/^whsec_/);
    expect(rotated.body.signing_secret).not.toBe(secret);
    expect(rotated.body.secret_preview).toBe(`whsec_…${rotated.body.signing_secret.slice(-4)}`);
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body.signing_secret).toBeUndefined();

    const deleted = await rawRequest(simulator, `/api/v1/webhooks/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    // Revoked: still readable and listed, but nothing changes it any more.
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body.status).toBe('revoked');
    expect((await rawRequest(simulator, '/api/v1/webhooks')).body.data).toHaveLength(1);
    for (const [method, path, body] of [
      ['PATCH', '', json({ status: 'active' })],
      ['POST', '/rotate-secret', undefined],
      ['POST', '/test', undefined],
    ] as const) {
      const refused = await rawRequest(simulator, `/api/v1/webhooks/${id}${path}`, { method, body });
      expect({ path, status: refused.status, code: refused.body.error.code }).toEqual({ path, status: 400, code: 'validation_failed' });
    }
  });

  test.each([
    [{ name: '' }, 'name'],
    [{ name: undefined }, 'name'],
    [{ url: 42 }, 'url'],
    [{ event_types: [] }, 'event_types'],
    [{ event_types: ['generation.started'] }, 'event_types'],
    [{ event_types: 'generation.succeeded' }, 'event_types'],
    [{ secret: 'mine' }, 'secret'],
  ])('%j → 400 validation_failed naming %s', async (change, field) => {
    const refused = await createEndpoint(change);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(refused.body.error.message.startsWith(`${field}:`)).toBe(true);
  });

  const rejectedAlways = [
    'https://10.0.0.8/hook',
    'https://192.168.1.20/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/hook',
    'https://[fd00::1]/hook',
    'https://[fe80::1]/hook',
    'https://0.0.0.0/hook',
    'https://240.0.0.1/hook',
    'https://metadata.google.internal/hook',
    'http://10.0.0.8/hook',
    'https://user:pw@example.com/hook',
    'https://example.com/hook#section',
    'https://example.com/hook#',
    'ftp://example.com/hook',
    'not a url',
  ];
  const loopback = [
    'http://127.0.0.1:9/hook',
    'http://localhost:9/hook',
    'http://[::1]:9/hook',
    'https://127.0.0.1/hook',
    'http://0x7f.1:9/hook',
  ];

  test.each([...rejectedAlways, ...loopback, 'http://example.com/hook'])(
    'without the loopback allowance %s → 400 webhook_url_rejected',
    async (url) => {
      simulator.reset({ webhooks: { allowLoopbackUrls: false } });
      const refused = await createEndpoint({ url });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('webhook_url_rejected');
      expect(refused.body.error.message).toMatch(/^url: /);
    },
  );

  test.each(rejectedAlways)('with the loopback allowance %s is still refused', async (url) => {
    const refused = await createEndpoint({ url });
    expect(refused.body.error?.code).toBe('webhook_url_rejected');
  });

  test.each([...loopback, 'https://example.com/hooks/rivya?tenant=1', 'https://93.184.216.34/hook'])(
    '%s is accepted with the allowance',
    async (url) => {
      expect((await createEndpoint({ url })).status).toBe(201);
    },
  );

  test('https public URLs are accepted without the allowance; a patch to a private URL is refused and changes nothing', async () => {
    simulator.reset({ webhooks: { allowLoopbackUrls: false } });
    const { id, status } = await createEndpoint({ url: 'https://hooks.example.com/rivya' });
    expect(status).toBe(201);
    const refused = await rawRequest(simulator, `/api/v1/webhooks/${id}`, {
      method: 'PATCH',
      body: json({ name: 'changed', url: 'https://10.1.2.3/hook' }),
    });
    expect(refused.body.error.code).toBe('webhook_url_rejected');
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body).toMatchObject({
      name: 'local receiver',
      url: 'https://hooks.example.com/rivya',
    });
  });

  test("another account's endpoint is not_found everywhere; a key without webhooks:manage is refused", async () => {
    const { id } = await createEndpoint();
    const routes: Array<[string, string, string | undefined]> = [
      ['GET', '', undefined],
      ['PATCH', '', json({ name: 'mine now' })],
      ['DELETE', '', undefined],
      ['POST', '/rotate-secret', undefined],
      ['GET', '/deliveries', undefined],
      ['POST', '/test', undefined],
    ];
    for (const [method, suffix, body] of routes) {
      const answer = await rawRequest(simulator, `/api/v1/webhooks/${id}${suffix}`, { method, body, apiKey: OTHER_ACCOUNT_KEY });
      expect({ method, suffix, status: answer.status, code: answer.body.error?.code }).toEqual({
        method,
        suffix,
        status: 404,
        code: 'not_found',
      });
    }
    expect((await rawRequest(simulator, '/api/v1/webhooks', { apiKey: OTHER_ACCOUNT_KEY })).body.data).toEqual([]);
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body).toMatchObject({ name: 'local receiver', status: 'active' });
    expect(receiver.requests).toHaveLength(0);

    for (const [method, path] of [
      ['GET', '/api/v1/webhooks'],
      ['POST', '/api/v1/webhooks'],
      ['GET', `/api/v1/webhooks/${id}`],
      ['GET', '/api/v1/webhook-events'],
    ]) {
      const denied = await rawRequest(simulator, path!, {
        method,
        apiKey: 'rvya_sk_test_read_only',
        body: method === 'POST' ? json({}) : undefined,
      });
      expect({ path, status: denied.status, code: denied.body.error.code }).toEqual({ path, status: 403, code: 'api_scope_denied' });
    }
    expect((await rawRequest(simulator, '/api/v1/webhooks', { apiKey: null })).status).toBe(401);
  });
});

describe('signed deliveries (S7, S10)', () => {
  test('a succeeded task delivers one verifiable generation.succeeded whose data is GET /generations/{id}', async () => {
    const { secret, id } = await createEndpoint();
    const task = await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    const event = verify(secret, request!);
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'generation.succeeded',
      api_version: '2026-05-11',
      created_at: task.updated_at,
      data: task,
    });
    expect(request!.headers['webhook-id']).toBe(event.id);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(Number(request!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    const events = await rawRequest(simulator, '/api/v1/webhook-events');
    expect(events.body).toEqual({ object: 'list', data: [event] });
    expect((await rawRequest(simulator, '/api/v1/webhook-events', { apiKey: OTHER_ACCOUNT_KEY })).body.data).toEqual([]);
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body).toMatchObject({
      failure_count: 0,
      last_success_at: expect.any(String),
    });
  });

  test('a failed task delivers generation.failed; an endpoint not subscribed to a type gets nothing of it', async () => {
    const failedOnly = await createEndpoint({ event_types: ['generation.failed'] });
    await runGeneration('[sim:succeed] kept to itself');
    expect(receiver.requests).toHaveLength(0);
    const task = await runGeneration('[sim:fail] a storm');
    expect(receiver.requests).toHaveLength(1);
    const event = verify(failedOnly.secret, receiver.requests[0]!);
    expect(event.type).toBe('generation.failed');
    expect(event.data).toEqual(task);
    expect(event.data.error).toMatchObject({ code: 'generation_failed' });
    // Both events exist for the account, newest first, even the one no endpoint wanted.
    expect((await rawRequest(simulator, '/api/v1/webhook-events')).body.data.map((e: any) => e.type)).toEqual([
      'generation.failed',
      'generation.succeeded',
    ]);
  });

  test('a 500 is retried with the same webhook-id until a 2xx; the ledger has every attempt', async () => {
    const { secret, id } = await createEndpoint();
    receiver.statuses.push(500, 503);
    const task = await runGeneration();
    expect(receiver.requests).toHaveLength(3);
    const ids = receiver.requests.map((request) => verify(secret, request).id);
    expect(new Set(ids).size).toBe(1);
    expect(receiver.requests.map((request) => request.headers['webhook-id'])).toEqual(ids);

    const entries = await ledger();
    expect(entries).toEqual(
      [500, 503, 200].map((status, index) => ({
        id: expect.stringMatching(/^whdel_/),
        eventId: ids[0],
        endpointId: id,
        taskId: task.id,
        type: 'generation.succeeded',
        attempt: index + 1,
        kind: 'genuine',
        fault: null,
        at: expect.any(Number),
        status,
        durationMs: expect.any(Number),
        error: null,
      })),
    );
    // The delays grow from the configured schedule: each retry waited at least its delay.
    expect(entries[1].at - entries[0].at).toBeGreaterThanOrEqual(35);
    const endpoint = (await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body;
    expect(endpoint).toMatchObject({
      status: 'active',
      failure_count: 0,
      last_failure_at: expect.any(String),
      last_success_at: expect.any(String),
    });

    const deliveries = await rawRequest(simulator, `/api/v1/webhooks/${id}/deliveries`);
    expect(deliveries.body.object).toBe('list');
    expect(deliveries.body.data.map((d: any) => [d.attempt, d.status])).toEqual([
      [3, 200],
      [2, 503],
      [1, 500],
    ]);
    expect(deliveries.body.data[0]).toEqual({
      id: entries[2].id,
      object: 'webhook_delivery',
      event_id: ids[0],
      endpoint_id: id,
      task_id: task.id,
      type: 'generation.succeeded',
      attempt: 3,
      kind: 'genuine',
      fault: null,
      status: 200,
      duration_ms: expect.any(Number),
      error: null,
      created_at: new Date(entries[2].at).toISOString(),
    });
  });

  test('a receiver that never answers 2xx: failure_count grows per failed delivery and the endpoint is disabled', async () => {
    simulator.reset({ webhooks: { retryDelaysMs: [20], disableAfterFailures: 2 } });
    const { id } = await createEndpoint();
    receiver.statuses.push(...Array(10).fill(500));
    await runGeneration();
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body).toMatchObject({ status: 'active', failure_count: 1 });
    await runGeneration();
    const disabled = (await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body;
    expect(disabled).toMatchObject({ status: 'disabled', failure_count: 2, disabled_at: expect.any(String), last_success_at: null });
    expect(receiver.requests).toHaveLength(4);
    // Disabled: the next event is recorded but not delivered.
    await runGeneration();
    expect(receiver.requests).toHaveLength(4);
    expect(simulator.stats().webhooks).toMatchObject({
      endpoints: { active: 0, disabled: 1, revoked: 0 },
      events: 3,
      attempts: 4,
      delivered: 0,
    });

    // Re-enabled, the count starts again and deliveries resume.
    await rawRequest(simulator, `/api/v1/webhooks/${id}`, { method: 'PATCH', body: json({ status: 'active' }) });
    receiver.statuses.length = 0;
    await runGeneration();
    expect(receiver.requests).toHaveLength(5);
    expect((await rawRequest(simulator, `/api/v1/webhooks/${id}`)).body).toMatchObject({ status: 'active', failure_count: 0 });
  });

  test('a host name is resolved under the same rules: localhost delivers with the allowance, is refused at connect time without', async () => {
    const { secret } = await createEndpoint({ url: receiver.url.replace('127.0.0.1', 'localhost') });
    await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    verify(secret, receiver.requests[0]!);

    const resolve = (allowLoopbackUrls: boolean) =>
      new Promise<{ code?: string; address?: unknown }>((done) =>
        deliveryLookup({ allowLoopbackUrls })('localhost', { all: true }, (err, address) => done({ code: err?.code, address })),
      );
    expect(await resolve(true)).toEqual({
      code: undefined,
      address: expect.arrayContaining([expect.objectContaining({ family: expect.any(Number) })]),
    });
    expect(await resolve(false)).toEqual({ code: 'WEBHOOK_ADDRESS_REFUSED', address: [] });
  });

  test('the URL rules hold at send time too: an endpoint registered under the allowance gets nothing once it is off', async () => {
    await createEndpoint();
    simulator.configure({ webhooks: { allowLoopbackUrls: false, retryDelaysMs: [] } });
    await runGeneration();
    expect(receiver.requests).toHaveLength(0);
    expect((await ledger()).map((e) => [e.status, e.error])).toEqual([[0, 'url refused: url: must be https']]);
  });

  test('a slow receiver is a failed attempt after timeoutMs, then retried', async () => {
    simulator.reset({ webhooks: { timeoutMs: 150, retryDelaysMs: [20] } });
    let slowSeen = 0;
    const slow = createServer((req, res) => {
      req.resume();
      if (slowSeen++ === 0) setTimeout(() => res.writeHead(200).end(), 1_000).unref();
      else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      await createEndpoint({ url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/` });
      await runGeneration();
      expect((await ledger()).map((e) => [e.attempt, e.status, e.error])).toEqual([
        [1, 0, 'no answer within 150 ms'],
        [2, 204, null],
      ]);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  test('a redirect is not followed: it is a failed attempt', async () => {
    simulator.reset({ webhooks: { retryDelaysMs: [] } });
    receiver.statuses.push(307);
    await createEndpoint();
    await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    expect((await ledger()).map((e) => e.status)).toEqual([307]);
  });

  test('after rotate-secret, deliveries verify with the new secret only', async () => {
    const { id, secret: oldSecret } = await createEndpoint();
    const rotated = await rawRequest(simulator, `/api/v1/webhooks/${id}/rotate-secret`, { method: 'POST' });
    const newSecret = rotated.body.signing_secret;
    await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    expect(verify(newSecret, receiver.requests[0]!).type).toBe('generation.succeeded');
    expect(() => verify(oldSecret, receiver.requests[0]!)).toThrow('No matching signature found');
  });

  test('POST /{id}/test sends one signed webhook.test and answers its delivery', async () => {
    const { id, secret } = await createEndpoint();
    const answer = await rawRequest(simulator, `/api/v1/webhooks/${id}/test`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(receiver.requests).toHaveLength(1);
    const event = verify(secret, receiver.requests[0]!);
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'webhook.test',
      api_version: '2026-05-11',
      created_at: expect.any(String),
      data: { object: 'webhook_test', endpoint_id: id },
    });
    expect(answer.body).toMatchObject({
      object: 'webhook_test',
      event,
      delivery: { kind: 'test', status: 200, event_id: event.id, task_id: null },
    });
    expect((await ledger()).map((e) => e.kind)).toEqual(['test']);
  });
});

describe('delivery faults (S13)', () => {
  const withScript = (script: string[], extra: Record<string, unknown> = {}) =>
    simulator.reset({ webhooks: { faults: { script: script as never, ...extra } } });

  test('drop: never delivered, never retried, one ledger entry says so', async () => {
    withScript(['drop']);
    const { id } = await createEndpoint();
    const task = await runGeneration();
    expect(receiver.requests).toHaveLength(0);
    expect(await ledger()).toEqual([
      expect.objectContaining({
        endpointId: id,
        taskId: task.id,
        kind: 'genuine',
        fault: 'drop',
        status: 0,
        attempt: 1,
        error: 'dropped (fault)',
      }),
    ]);
    // The event itself exists: a poll (or the events list) still finds the outcome.
    expect((await rawRequest(simulator, '/api/v1/webhook-events')).body.data).toHaveLength(1);
  });

  test('duplicate: the same event twice, same webhook-id, both genuine', async () => {
    withScript(['duplicate']);
    const { secret } = await createEndpoint();
    await runGeneration();
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests.map((request) => verify(secret, request));
    expect(second).toEqual(first);
    expect(receiver.requests[1]!.headers['webhook-id']).toBe(receiver.requests[0]!.headers['webhook-id']);
    expect((await ledger()).map((e) => [e.kind, e.fault])).toEqual([
      ['genuine', 'duplicate'],
      ['duplicate', 'duplicate'],
    ]);
  });

  test('forged_signature: a tampered copy with a wrong signature comes first, then the genuine one', async () => {
    withScript(['forged_signature']);
    const { secret } = await createEndpoint();
    const task = await runGeneration();
    expect(receiver.requests).toHaveLength(2);
    const [forged, genuine] = receiver.requests;
    expect(() => verify(secret, forged!)).toThrow('No matching signature found');
    expect(JSON.parse(forged!.body).data.status).toBe('failed');
    expect(forged!.headers['webhook-id']).toBe(genuine!.headers['webhook-id']);
    expect(verify(secret, genuine!).data).toEqual(task);
    expect((await ledger()).map((e) => e.kind)).toEqual(['forged', 'genuine']);
  });

  test('stale_replay: after the genuine delivery, a copy signed staleBySeconds ago that fails the timestamp check', async () => {
    withScript(['stale_replay'], { staleBySeconds: 900 });
    const { secret } = await createEndpoint();
    await runGeneration();
    expect(receiver.requests).toHaveLength(2);
    const [genuine, replay] = receiver.requests;
    verify(secret, genuine!);
    expect(replay!.body).toBe(genuine!.body);
    expect(Number(genuine!.headers['webhook-timestamp']) - Number(replay!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(899);
    expect(() => verify(secret, replay!)).toThrow('Message timestamp too old');
    expect((await ledger()).map((e) => e.kind)).toEqual(['genuine', 'stale-replay']);
  });

  test('unreachable: the first attempts fail unsent (status 0), then a retry delivers', async () => {
    withScript(['unreachable'], { unreachableAttempts: 2 });
    const { secret } = await createEndpoint();
    await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    verify(secret, receiver.requests[0]!);
    expect((await ledger()).map((e) => [e.attempt, e.status, e.fault])).toEqual([
      [1, 0, 'unreachable'],
      [2, 0, 'unreachable'],
      [3, 200, 'unreachable'],
    ]);
  });

  test('delay: the first attempt waits delayMs after the transition', async () => {
    withScript(['delay'], { delayMs: 400 });
    await createEndpoint();
    const task = await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    const [entry] = await ledger();
    expect(entry.at - Date.parse(task.updated_at)).toBeGreaterThanOrEqual(390);
  });

  test("reorder: held back until the endpoint's next delivery has gone out", async () => {
    withScript(['reorder'], { reorderMaxHoldMs: 10_000 });
    const { secret } = await createEndpoint();
    const first = await rawRequest(simulator, '/api/v1/generations', {
      method: 'POST',
      body: json({ model: 'sora-2', prompt: '[sim:succeed] first' }),
    });
    await waitFor(() => (simulator.stats().webhooks.events === 1 ? true : undefined));
    expect(receiver.requests).toHaveLength(0);
    const second = await runGeneration('[sim:succeed] second');
    expect(receiver.requests.map((request) => verify(secret, request).data.id)).toEqual([second.id, first.body.id]);
  });

  test('faults can also be drawn by rate from the seeded PRNG', async () => {
    simulator.reset({ webhooks: { faults: { rates: { duplicate: 1 } } } });
    await createEndpoint();
    await runGeneration();
    expect(receiver.requests).toHaveLength(2);
  });

  test('the admin outage: attempts fail unsent while the receiver looks down, retries deliver after', async () => {
    simulator.reset({ webhooks: { retryDelaysMs: [400, 400, 400] } });
    const { id, secret } = await createEndpoint();
    const outage = await rawRequest(simulator, '/_simulator/webhook-outage', {
      ...adminAuth(simulator),
      method: 'POST',
      body: json({ durationMs: 600, endpointId: id }),
    });
    expect(outage.status).toBe(200);
    expect(outage.body).toEqual({ until: expect.any(String), endpointId: id });
    await runGeneration();
    expect(receiver.requests).toHaveLength(1);
    verify(secret, receiver.requests[0]!);
    const entries = await ledger();
    expect(entries.at(-1)).toMatchObject({ status: 200, fault: null });
    expect(entries.slice(0, -1).every((e) => e.status === 0 && e.fault === 'outage')).toBe(true);
  });
});

describe('the ledger', () => {
  test('admin route wants the admin token, filters by event, endpoint or task; stats count it; reset forgets it', async () => {
    const { id } = await createEndpoint();
    const task = await runGeneration();
    expect((await rawRequest(simulator, '/_simulator/webhook-deliveries', { apiKey: null })).status).toBe(401);
    expect(await ledger(`?taskId=${task.id}`)).toHaveLength(1);
    expect(await ledger(`?endpointId=${id}`)).toHaveLength(1);
    expect(await ledger('?taskId=task_other')).toEqual([]);
    expect(simulator.stats().webhooks).toEqual({
      endpoints: { active: 1, disabled: 0, revoked: 0 },
      events: 1,
      attempts: 1,
      delivered: 1,
      byKind: { genuine: 1 },
      byFault: {},
      byStatus: { 200: 1 },
    });
    expect(simulator.stats().counters.createWebhook).toMatchObject({ requests: 1, byStatus: { 201: 1 } });
    simulator.reset();
    expect(await ledger()).toEqual([]);
    expect((await rawRequest(simulator, '/api/v1/webhooks')).body.data).toEqual([]);
  });

  test('POST /_simulator/config sets delivery faults and merges into the webhook settings', async () => {
    const configured = await rawRequest(simulator, '/_simulator/config', {
      ...adminAuth(simulator),
      method: 'POST',
      body: json({ webhooks: { faults: { script: ['duplicate'] } } }),
    });
    expect(configured.status).toBe(200);
    expect(configured.body.webhooks).toMatchObject({
      allowLoopbackUrls: true,
      retryDelaysMs: [40, 40, 40],
      faults: { script: ['duplicate'] },
    });
    const refused = await rawRequest(simulator, '/_simulator/config', {
      ...adminAuth(simulator),
      method: 'POST',
      body: json({ webhooks: { faults: { script: ['explode'] } } }),
    });
    expect(refused.status).toBe(400);
    await createEndpoint();
    await runGeneration();
    expect(receiver.requests).toHaveLength(2);
  });

  test('a reset cancels scheduled retries: nothing more is sent or recorded', async () => {
    simulator.reset({ webhooks: { retryDelaysMs: [200] } });
    await createEndpoint();
    receiver.statuses.push(500);
    await runGenerationWithoutIdle();
    await waitFor(() => (receiver.requests.length === 1 ? true : undefined));
    simulator.reset();
    await simulator.webhooksIdle();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.requests).toHaveLength(1);
    expect(await ledger()).toEqual([]);
  });

  async function runGenerationWithoutIdle(): Promise<void> {
    await rawRequest(simulator, '/api/v1/generations', {
      method: 'POST',
      body: json({ model: 'sora-2', prompt: '[sim:succeed] reset me' }),
    });
  }
});
