/**
 * D8 webhook endpoint management, end to end: the typed client against the simulator over real
 * sockets, and `rivya-sora2 webhooks …` as a process. A local receiver (loopback URLs allowed by the
 * simulator's opt-in) takes the deliveries, and each one is verified with the secret the CLI
 * printed. Secret hygiene throughout: a signing secret appears exactly once in all CLI output, the
 * API key never.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Response, type RequestInit } from 'node-fetch';
import { Webhook } from 'standardwebhooks';
import type { RivyaSimulator } from '../../simulator/index';
import { RivyaApiError, RivyaClient, RivyaError, RivyaWebhookUrlRejectedError, type FetchLike } from '../../src/rivya';
import { cleanEnv, runCli, type Run } from '../helpers/cli-process';
import { caught, clientFor, OTHER_ACCOUNT_KEY, startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let simulator: RivyaSimulator;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** Every CLI run of this file: checked at the end for the API key and for secrets printed twice. */
const runs: { args: string[]; run: Run }[] = [];

const SECRET = /whsec_[A-Za-z0-9+/=_-]{20,}/;
const SIMULATOR_OPTIONS = { webhooks: { allowLoopbackUrls: true, retryDelaysMs: [200, 400], timeoutMs: 2_000 } };

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rivya/webhooks`;
  simulator = await startTestSimulator(SIMULATOR_OPTIONS);
});
beforeEach(() => {
  simulator.reset(SIMULATOR_OPTIONS);
  received.length = 0;
});
afterAll(async () => {
  await simulator?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** A delivery to the receiver whose body satisfies `match`, verified with `secret` (Standard Webhooks, S7). */
async function deliveryVerifiedWith(secret: string, match: (payload: any) => boolean): Promise<any> {
  return waitFor(
    () => {
      for (const delivery of received) {
        const payload = JSON.parse(delivery.body);
        if (!match(payload)) continue;
        return new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>) as any;
      }
      return undefined;
    },
    10_000,
    50,
  );
}

describe('client (over sockets, against the simulator)', () => {
  test('create returns the signing secret once; list and retrieve show only its preview', async () => {
    const client = clientFor(simulator);
    const created = await client.webhooks.create({ name: 'primary', url: receiverUrl, event_types: ['generation.succeeded'] });
    expect(created).toMatchObject({ name: 'primary', url: receiverUrl, status: 'active', event_types: ['generation.succeeded'] });
    expect(created.id).toMatch(/^whend_/);
    expect(created.signing_secret).toMatch(/^whsec_/);
    expect(created.failure_count).toBe(0);
    expect(created.secret_preview).toBeTruthy();
    expect(created.secret_preview!.length).toBeLessThan(created.signing_secret.length);

    const listed = await client.webhooks.list();
    expect(listed.data.map((endpoint) => endpoint.id)).toEqual([created.id]);
    const retrieved = await client.webhooks.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, secret_preview: created.secret_preview, last_success_at: null });
    for (const answer of [listed, retrieved]) {
      expect(JSON.stringify(answer)).not.toContain(created.signing_secret);
      expect(JSON.stringify(answer)).not.toContain('signing_secret');
    }
  });

  test('a refused URL is a typed, non-retryable RivyaWebhookUrlRejectedError (still a RivyaApiError)', async () => {
    const client = clientFor(simulator);
    for (const url of [
      'http://hooks.example.com/rivya',
      'https://user:password@hooks.example.com/rivya',
      'https://hooks.example.com/rivya#fragment',
      'https://10.1.2.3/rivya',
      'https://169.254.169.254/latest',
    ]) {
      const err = await caught(client.webhooks.create({ name: 'bad', url, event_types: ['generation.failed'] }));
      expect(err).toBeInstanceOf(RivyaWebhookUrlRejectedError);
      expect(err).toBeInstanceOf(RivyaApiError);
      expect(err).toMatchObject({ code: 'webhook_url_rejected', status: 400, retryable: false, name: 'RivyaWebhookUrlRejectedError' });
    }
    // Loopback is refused unless the simulator's opt-in is on (it is for this file's receiver).
    simulator.configure({ webhooks: { allowLoopbackUrls: false } });
    const loopback = await caught(client.webhooks.create({ name: 'local', url: receiverUrl, event_types: ['generation.failed'] }));
    expect(loopback).toBeInstanceOf(RivyaWebhookUrlRejectedError);
    expect((await client.webhooks.list()).data).toEqual([]);
  });

  test('rotateSecret: a new secret, shown once; deliveries verify with it', async () => {
    const client = clientFor(simulator);
    const created = await client.webhooks.create({ name: 'rotating', url: receiverUrl, event_types: ['generation.succeeded'] });
    const rotated = await client.webhooks.rotateSecret(created.id);
    expect(rotated.id).toBe(created.id);
    expect(rotated.signing_secret).toMatch(/^whsec_/);
    expect(rotated.signing_secret).not.toBe(created.signing_secret);
    expect(JSON.stringify(await client.webhooks.retrieve(created.id))).not.toContain(rotated.signing_secret);

    const test = await client.webhooks.test(created.id);
    const payload = await deliveryVerifiedWith(rotated.signing_secret, (body) => body.id === test.event_id || test.event_id === null);
    expect(payload.id).toMatch(/^evt_/);
  });

  test('test sends a signed event; deliveries list it with time, event, attempt and status', async () => {
    const client = clientFor(simulator);
    const created = await client.webhooks.create({ name: 'tested', url: receiverUrl, event_types: ['generation.succeeded'] });
    const sent = await client.webhooks.test(created.id);
    const payload = await deliveryVerifiedWith(created.signing_secret, () => true);
    if (sent.event_id) expect(payload.id).toBe(sent.event_id);
    const delivered = received[0]!;
    expect(delivered.headers['webhook-id']).toBe(payload.id);

    const deliveries = await waitFor(async () => {
      const { data } = await client.webhooks.deliveries(created.id);
      return data.some((d) => d.response_status !== null || /succe|deliver/i.test(d.status ?? '')) ? data : undefined;
    });
    expect(deliveries[0]).toMatchObject({ event_id: payload.id, attempt: 1 });
    expect(deliveries[0]!.event_type).toBeTruthy();
    expect(deliveries[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(deliveries[0]).toMatchObject({ status: 'succeeded', response_status: 204, error: null });
  });

  test('update changes name, events and status; delete makes the endpoint not_found', async () => {
    const client = clientFor(simulator);
    const created = await client.webhooks.create({ name: 'before', url: receiverUrl, event_types: ['generation.succeeded'] });
    const updated = await client.webhooks.update(created.id, { name: 'after', event_types: ['generation.succeeded', 'generation.failed'] });
    expect(updated).toMatchObject({ id: created.id, name: 'after', event_types: ['generation.succeeded', 'generation.failed'] });
    expect(await client.webhooks.update(created.id, { status: 'disabled' })).toMatchObject({ status: 'disabled' });
    expect(await client.webhooks.update(created.id, { status: 'active' })).toMatchObject({ status: 'active' });
    const rejected = await caught(client.webhooks.update(created.id, { url: 'https://192.168.0.10/hook' }));
    expect(rejected).toBeInstanceOf(RivyaWebhookUrlRejectedError);

    const deleted = await client.webhooks.delete(created.id);
    expect(deleted).toMatchObject({ id: created.id, deleted: true });
    // D8 has `revoked_at`: a deleted endpoint may stay readable as revoked, or be gone (not_found).
    const after = await client.webhooks.retrieve(created.id).catch((err: unknown) => err);
    if (after instanceof RivyaError) expect(after).toMatchObject({ code: 'not_found', status: 404 });
    else expect(after).toMatchObject({ id: created.id, status: 'revoked', revoked_at: expect.stringMatching(/^\d{4}-/) });
    expect((await client.webhooks.list()).data.filter((e) => e.id === created.id && e.status !== 'revoked')).toEqual([]);
    // Nothing is delivered to it any more: a test is refused.
    expect(await caught(client.webhooks.test(created.id))).toMatchObject({ retryable: false });
  });

  test("another account's endpoint is not_found for every call; its list does not show it", async () => {
    const mine = await clientFor(simulator).webhooks.create({ name: 'mine', url: receiverUrl, event_types: ['generation.failed'] });
    const other = clientFor(simulator, OTHER_ACCOUNT_KEY);
    for (const call of [
      () => other.webhooks.retrieve(mine.id),
      () => other.webhooks.update(mine.id, { name: 'stolen' }),
      () => other.webhooks.rotateSecret(mine.id),
      () => other.webhooks.deliveries(mine.id),
      () => other.webhooks.test(mine.id),
      () => other.webhooks.delete(mine.id),
    ]) {
      expect(await caught(call())).toMatchObject({ code: 'not_found', status: 404, retryable: false });
    }
    expect((await other.webhooks.list()).data).toEqual([]);
    expect(await clientFor(simulator).webhooks.retrieve(mine.id)).toMatchObject({ name: 'mine', status: 'active' });
  });

  test("a key without webhooks:manage is api_scope_denied; webhook-events lists the account's events", async () => {
    const readOnly = clientFor(simulator, 'rvya_sk_test_read_only');
    expect(await caught(readOnly.webhooks.list())).toMatchObject({ code: 'api_scope_denied', status: 403 });
    expect(await caught(readOnly.webhookEvents.list())).toMatchObject({ code: 'api_scope_denied', status: 403 });
    const client = clientFor(simulator);
    const created = await client.webhooks.create({ name: 'events', url: receiverUrl, event_types: ['generation.succeeded'] });
    const sent = await client.webhooks.test(created.id);
    expect(sent.event_id).toMatch(/^evt_/);
    const events = await client.webhookEvents.list({ limit: 5 });
    expect(events.data[0]).toMatchObject({ id: sent.event_id, type: sent.event_type });
    expect(events.data[0]!.created_at).toMatch(/^\d{4}-/);
    expect((await clientFor(simulator, OTHER_ACCOUNT_KEY).webhookEvents.list()).data).toEqual([]);
    expect((await client.webhooks.deliveries(created.id, { limit: 1 })).data).toHaveLength(1);
  });
});

describe('client (tolerant reading of what D8 leaves open)', () => {
  /** A client whose transport answers from a table: method + path → status and body. */
  function fakeClient(answers: Record<string, { status: number; body?: unknown }>, seen: string[] = []): RivyaClient {
    const fetch: FetchLike = async (url: string, init: RequestInit) => {
      const key = `${init.method} ${new URL(url).pathname}`;
      seen.push(`${key} ${typeof init.body === 'string' ? init.body : ''}`.trim());
      const answer = answers[key] ?? { status: 404, body: { error: { code: 'not_found', message: 'nope' } } };
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      return new Response(text, { status: answer.status, headers: { 'Content-Type': 'application/json' } });
    };
    return new RivyaClient({ apiKey: TEST_API_KEY, baseUrl: 'https://rivya.test', fetch });
  }
  const endpoint = { id: 'whend_1', url: 'https://hooks.example.com/x', status: 'active', secret_preview: 'whsec_…abcd' };

  test('a signing_secret in a list or retrieve answer is dropped; unknown fields are ignored', async () => {
    const leaky = { ...endpoint, signing_secret: 'whsec_leaked', shiny_new_field: 1 };
    const client = fakeClient({
      'GET /api/v1/webhooks': { status: 200, body: [leaky] },
      'GET /api/v1/webhooks/whend_1': { status: 200, body: leaky },
    });
    const list = await client.webhooks.list();
    expect(list.data[0]).toMatchObject({ id: 'whend_1', event_types: [], failure_count: 0, revoked_at: null });
    expect(JSON.stringify(list)).not.toContain('whsec_leaked');
    expect(JSON.stringify(await client.webhooks.retrieve('whend_1'))).not.toContain('whsec_leaked');
  });

  test('create without a signing_secret is a RivyaResponseError; delete accepts 204, an endpoint or { id, deleted }', async () => {
    const seen: string[] = [];
    const client = fakeClient(
      {
        'POST /api/v1/webhooks': { status: 201, body: endpoint },
        'DELETE /api/v1/webhooks/whend_1': { status: 204 },
        'DELETE /api/v1/webhooks/whend_2': { status: 200, body: { ...endpoint, id: 'whend_2', status: 'revoked' } },
        'DELETE /api/v1/webhooks/whend_3': { status: 200, body: { id: 'whend_3', deleted: true } },
        'PATCH /api/v1/webhooks/whend_1': { status: 200, body: endpoint },
      },
      seen,
    );
    expect(await caught(client.webhooks.create({ name: 'n', url: endpoint.url, event_types: ['generation.failed'] }))).toMatchObject({
      name: 'RivyaResponseError',
    });
    expect(await client.webhooks.delete('whend_1')).toEqual({ id: 'whend_1', deleted: true, endpoint: null });
    expect(await client.webhooks.delete('whend_2')).toMatchObject({ id: 'whend_2', endpoint: { status: 'revoked' } });
    expect(await client.webhooks.delete('whend_3')).toEqual({ id: 'whend_3', deleted: true, endpoint: null });
    await client.webhooks.update('whend_1', { name: 'only the name', url: undefined });
    expect(seen).toContain('PATCH /api/v1/webhooks/whend_1 {"name":"only the name"}');
    expect(seen[0]).toBe(`POST /api/v1/webhooks {"name":"n","url":"${endpoint.url}","event_types":["generation.failed"]}`);
  });

  test('deliveries are read from several spellings into one shape', async () => {
    const client = fakeClient({
      'GET /api/v1/webhooks/whend_1/deliveries': {
        status: 200,
        body: {
          data: [
            {
              id: 'd1',
              event_id: 'evt_1',
              event_type: 'generation.succeeded',
              attempt: 2,
              status: 'failed',
              response_status: 500,
              created_at: 't1',
            },
            {
              delivery_id: 'd2',
              event: { id: 'evt_2', type: 'generation.failed' },
              attempt_number: 1,
              status: 'succeeded',
              http_status: 200,
              attempted_at: 't2',
            },
            { id: 'd3', type: 'webhook.test', status: 'failed', error: { message: 'connect ECONNREFUSED' }, next_attempt_at: 't4' },
          ],
          has_more: false,
        },
      },
    });
    const { data } = await client.webhooks.deliveries('whend_1');
    expect(data).toEqual([
      {
        id: 'd1',
        event_id: 'evt_1',
        event_type: 'generation.succeeded',
        attempt: 2,
        status: 'failed',
        response_status: 500,
        error: null,
        created_at: 't1',
        next_attempt_at: null,
      },
      {
        id: 'd2',
        event_id: 'evt_2',
        event_type: 'generation.failed',
        attempt: 1,
        status: 'succeeded',
        response_status: 200,
        error: null,
        created_at: 't2',
        next_attempt_at: null,
      },
      {
        id: 'd3',
        event_id: null,
        event_type: 'webhook.test',
        attempt: null,
        status: 'failed',
        response_status: null,
        error: 'connect ECONNREFUSED',
        created_at: null,
        next_attempt_at: 't4',
      },
    ]);
  });

  test('webhook-events: names or objects; ids are path-encoded', async () => {
    const seen: string[] = [];
    const client = fakeClient(
      {
        'GET /api/v1/webhook-events': {
          status: 200,
          body: { data: ['generation.succeeded', { type: 'generation.failed', description: 'd' }] },
        },
      },
      seen,
    );
    expect((await client.webhookEvents.list()).data.map((e) => e.type)).toEqual(['generation.succeeded', 'generation.failed']);
    await caught(client.webhooks.retrieve('../credits'));
    expect(seen[1]).toBe('GET /api/v1/webhooks/..%2Fcredits');
  });
});

describe('CLI (rivya-sora2 webhooks …)', () => {
  const env = (apiKey = TEST_API_KEY) => cleanEnv({ RIVYA_API_KEY: apiKey, RIVYA_BASE_URL: simulator.url });
  async function cli(args: string[], apiKey?: string): Promise<Run> {
    const run = await runCli(['webhooks', ...args], env(apiKey), 30_000);
    runs.push({ args, run });
    return run;
  }
  /** A whole secret (a preview is shorter, or elided). */
  const secretIn = (text: string) => SECRET.exec(text)?.[0];
  const idIn = (text: string) => /whend_[A-Za-z0-9_-]+/.exec(text)![0];

  test('register prints the secret once with the RIVYA_WEBHOOK_SECRETS hint; list shows only the preview', async () => {
    const run = await cli([
      'register',
      '--url',
      receiverUrl,
      '--name',
      'cli endpoint',
      '--events',
      'generation.succeeded,generation.failed',
    ]);
    expect(run.code).toBe(0);
    const secret = secretIn(run.stdout)!;
    expect(secret).toBeDefined();
    expect(run.stdout.split(secret).length - 1).toBe(1);
    expect(run.stdout).toMatch(/shown only now/);
    expect(run.stdout).toContain('RIVYA_WEBHOOK_SECRETS');
    expect(run.stderr).toBe('');
    const id = idIn(run.stdout);

    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+EVENTS\s+FAILURES\s+LAST SUCCESS\s+LAST FAILURE\s+SECRET\s+URL/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain(receiverUrl);
    expect(list.stdout).not.toContain(secret);
    const preview = (await clientFor(simulator).webhooks.retrieve(id)).secret_preview!;
    expect(list.stdout).toContain(preview);
    for (const args of [
      ['list', '--json'],
      ['show', id],
      ['show', id, '--json'],
    ]) {
      const shown = await cli(args);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(id);
      expect(shown.stdout).not.toContain(secret);
      expect(shown.stdout).not.toContain('signing_secret');
    }

    // The printed secret is the one deliveries are signed with.
    const sent = await cli(['test', id]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/sent a test event/);
    await deliveryVerifiedWith(secret, () => true);
  });

  test('a rejected URL: the typed reason and the rules on stderr, exit 2, nothing registered', async () => {
    const run = await cli(['register', '--url', 'https://10.0.0.8/hook']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: Rivya rejected the webhook URL: .*private.* \(webhook_url_rejected, req_\w+\)$/m);
    expect(run.stderr).toMatch(/must be https, without user:password@ or a #fragment/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    const notUrl = await cli(['register', '--url', 'not a url']);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/--url must be a URL/);
    expect((await clientFor(simulator).webhooks.list()).data).toEqual([]);
  });

  test('rotate-secret prints the new secret once and explains keeping both secrets', async () => {
    const registered = await cli(['register', '--url', receiverUrl]);
    const id = idIn(registered.stdout);
    const old = secretIn(registered.stdout)!;
    const run = await cli(['rotate-secret', id]);
    expect(run.code).toBe(0);
    const fresh = secretIn(run.stdout)!;
    expect(fresh).not.toBe(old);
    expect(run.stdout.split(fresh).length - 1).toBe(1);
    expect(run.stdout).not.toContain(old);
    expect(run.stdout).toContain('RIVYA_WEBHOOK_SECRETS="<new secret> <old secret>"');
    expect(run.stdout).toMatch(/Keep BOTH secrets/);
    expect(run.stderr).toBe('');
  });

  test('test, then deliveries as a table: time, event, attempt, status', async () => {
    const id = idIn((await cli(['register', '--url', receiverUrl])).stdout);
    expect((await cli(['test', id])).code).toBe(0);
    await waitFor(() => (received.length ? true : undefined));
    const run = await waitFor(async () => {
      const deliveries = await cli(['deliveries', id]);
      return /HTTP 204|succe/i.test(deliveries.stdout) ? deliveries : undefined;
    });
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^TIME\s+EVENT\s+ATTEMPT\s+STATUS\s+EVENT ID$/);
    expect(row).toMatch(/^\d{4}-\d\d-\d\dT\S+\s+\S+\s+1\s+/);
    expect(row).toContain(received[0]!.headers['webhook-id'] as string);
  });

  test('disable, enable and delete; a deleted or foreign endpoint is "no webhook endpoint", exit 2', async () => {
    const id = idIn((await cli(['register', '--url', receiverUrl])).stdout);
    const foreign = await cli(['show', id], OTHER_ACCOUNT_KEY);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(`error: no webhook endpoint ${id} on this account`);
    expect((await cli(['delete', id], OTHER_ACCOUNT_KEY)).code).toBe(2);

    expect((await cli(['disable', id])).stdout).toMatch(/is now disabled/);
    expect((await cli(['enable', id])).stdout).toMatch(/is now active/);
    const deleted = await cli(['delete', id]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`deleted webhook endpoint ${id}`);
    // Revoked and still shown (D8's revoked_at), or gone: either way no longer usable.
    const gone = await cli(['show', id]);
    if (gone.code === 0) expect(gone.stdout).toMatch(/\(revoked\)[\s\S]*revoked at: +\d{4}-/);
    else expect(gone.stderr).toContain(`no webhook endpoint ${id}`);
    const rotate = await cli(['rotate-secret', id]);
    expect(rotate.code).toBe(2);
    expect(rotate.stdout).toBe('');
  });

  test('usage and configuration mistakes exit 2; a refused key exits 1; help exits 0', async () => {
    for (const args of [
      ['register'],
      ['nope'],
      ['show'],
      ['register', '--url', receiverUrl, '--events', ' , '],
      ['register', '--url', receiverUrl, '--events', 'generation.started'],
      ['list', '--limit', '0'],
      ['list', '--bogus'],
    ]) {
      const run = await cli(args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
    }
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
    const noKey = await runCli(['webhooks', 'list'], cleanEnv({ RIVYA_BASE_URL: simulator.url }), 30_000);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/RIVYA_API_KEY is required/);
    const revoked = await cli(['list'], 'rvya_sk_test_revoked');
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/api_key_revoked/);
    const scoped = await cli(['list'], 'rvya_sk_test_read_only');
    expect(scoped.code).toBe(1);
    expect(scoped.stderr).toMatch(/webhooks:manage/);
  });

  test('across every run: the API key never printed, each signing secret printed exactly once', () => {
    expect(runs.length).toBeGreaterThan(10);
    const all = runs.map(({ run }) => run.stdout + run.stderr).join('\n');
    expect(all).not.toContain(TEST_API_KEY);
    expect(all).not.toContain(OTHER_ACCOUNT_KEY);
    const secretsIn = (text: string) => [...text.matchAll(new RegExp(SECRET, 'g'))].map((match) => match[0]);
    for (const { args, run } of runs) {
      // Never on stderr, not even a preview; on stdout only from the two commands that get one, once.
      expect({ args, stderr: run.stderr }).not.toEqual({ args, stderr: expect.stringContaining('whsec_') });
      const onceAllowed = ['register', 'rotate-secret'].includes(args[0]!) && !args.includes('--json') && run.code === 0;
      expect({ args, secrets: secretsIn(run.stdout).length }).toEqual({ args, secrets: onceAllowed ? 1 : 0 });
    }
    const printed = secretsIn(all);
    expect(printed.length).toBeGreaterThan(3);
    for (const secret of printed) expect(printed.filter((other) => other === secret)).toHaveLength(1);
  });
});
