/**
 * Contract tests: the simulator, driven over real sockets, behaves as docs/rivya-contract.md says —
 * every documented error code (D6) and every simulator assumption (S1–S8).
 */
import { connect } from 'node:net';
import FormData from 'form-data';
import fetch from 'node-fetch';
import type { RivyaSimulator } from '../../simulator/index';
import { mediaBytes } from '../helpers/media';
import { adminAuth, OTHER_ACCOUNT_KEY, rawRequest, startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';

let simulator: RivyaSimulator;

const minimalBody = (prompt = 'a red fox runs through snow') => ({
  model: 'sora-2',
  prompt,
  params: { n_frames: '10', aspect_ratio: 'landscape', remove_watermark: 'false', upload_method: 's3' },
});

const createRaw = (body: unknown, idempotencyKey?: string, apiKey: string = TEST_API_KEY) =>
  rawRequest(simulator, '/api/v1/generations', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
    apiKey,
  });

async function upload(bytes: Buffer, fields: Record<string, string>, filename = 'ref.png', apiKey = TEST_API_KEY) {
  const form = new FormData();
  form.append('file', bytes, { filename });
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`${simulator.url}/api/v1/files`, {
    method: 'POST',
    body: form,
    headers: { ...form.getHeaders(), Authorization: `Bearer ${apiKey}` },
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  simulator = await startTestSimulator();
});
beforeEach(() => simulator.reset());
afterAll(() => simulator?.close());

describe('auth (D1, D6)', () => {
  test.each([
    [null, 401, 'api_key_missing'],
    ['sk_not_a_rivya_key', 401, 'api_key_invalid'],
    ['rvya_sk_unknown', 401, 'api_key_invalid'],
    ['rvya_sk_test_revoked', 401, 'api_key_revoked'],
    ['rvya_sk_test_expired', 401, 'api_key_expired'],
  ])('key %p → %i %s', async (apiKey, status, code) => {
    const response = await rawRequest(simulator, '/api/v1/credits', { apiKey });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.requestId).toMatch(/^req_/);
  });

  test('a key without the scope gets 403 api_scope_denied', async () => {
    const response = await createRaw(minimalBody(), 'k1', 'rvya_sk_test_read_only');
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('api_scope_denied');
  });

  test('the public API switch answers 503 public_api_disabled', async () => {
    simulator.configure({ publicApiDisabled: true });
    const response = await rawRequest(simulator, '/api/v1/credits');
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('public_api_disabled');
  });

  test('the model catalog is public and lists both models', async () => {
    const response = await rawRequest(simulator, '/api/v1/models', { apiKey: null });
    expect(response.status).toBe(200);
    expect(response.body.data.map((m: { id: string }) => m.id)).toEqual(['sora-2', 'sora-2-pro']);
    expect(response.body.data.find((m: any) => m.id === 'sora-2-pro').params.size.options).toEqual(['standard', 'high']);
  });
});

describe('generations (D3, D4, S1, S2, S3, S6)', () => {
  test('create answers 202 with a queued task and reserves the base credits', async () => {
    const before = simulator.stats().wallets.acct_primary!;
    const response = await createRaw(minimalBody(), 'create-1');
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({
      status: 'queued',
      model: 'sora-2',
      reserved_credits: 6,
      final_credits: 0,
      result: null,
      error: null,
    });
    expect(response.body.id).toMatch(/^task_/);
    expect(response.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(simulator.stats().wallets.acct_primary).toBe(before - 6);
  });

  test('sora-2-pro reserves 75 credits and accepts size', async () => {
    const response = await createRaw({ model: 'sora-2-pro', prompt: 'x', params: { size: 'high' } }, 'pro-1');
    expect(response.status).toBe(202);
    expect(response.body.reserved_credits).toBe(75);
  });

  test('same key and same body replays the original task with 200 and Idempotent-Replayed', async () => {
    const first = await createRaw(minimalBody(), 'replay-key');
    const second = await createRaw(minimalBody(), 'replay-key');
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(simulator.stats().tasksPerIdempotencyKey['replay-key']).toBe(1);
  });

  test('same key and a different body is 409 idempotency_conflict', async () => {
    await createRaw(minimalBody('one'), 'conflict-key');
    const second = await createRaw(minimalBody('two'), 'conflict-key');
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('idempotency_conflict');
    expect(simulator.stats().tasks).toHaveLength(1);
  });

  test('keys are scoped per API key: another account with the same key gets its own task', async () => {
    const mine = await createRaw(minimalBody(), 'shared-key');
    const theirs = await createRaw(minimalBody(), 'shared-key', OTHER_ACCOUNT_KEY);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  test('client_request_id alone does not deduplicate (S2)', async () => {
    await createRaw({ ...minimalBody(), client_request_id: 'trace-1' });
    await createRaw({ ...minimalBody(), client_request_id: 'trace-1' });
    expect(simulator.stats().tasksPerClientRequestId['trace-1']).toBe(2);
  });

  test('insufficient credits is 402, creates nothing and reserves nothing (S3)', async () => {
    simulator.reset({ creditsByAccount: { acct_primary: 5 } });
    const response = await createRaw(minimalBody(), 'poor');
    expect(response.status).toBe(402);
    expect(response.body.error.code).toBe('insufficient_credits');
    expect(simulator.stats().tasks).toHaveLength(0);
    expect(simulator.stats().wallets.acct_primary).toBe(5);
  });

  test('a task goes queued → processing → succeeded and its video is served', async () => {
    const { body: created } = await createRaw(minimalBody('[sim:succeed] a lake'), 'life-ok');
    const seen = new Set<string>();
    const done = await waitFor(async () => {
      const { body } = await rawRequest(simulator, `/api/v1/generations/${created.id}`);
      seen.add(body.status);
      return body.status === 'succeeded' ? body : undefined;
    });
    expect(seen).toContain('succeeded');
    expect(done.final_credits).toBe(done.reserved_credits);
    expect(done.result.urls).toContain(done.result.primary_url);
    const video = await fetch(done.result.primary_url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect((await video.buffer()).subarray(4, 8).toString()).toBe('ftyp');
  });

  test('a failed task refunds its reservation in full (S6)', async () => {
    const before = simulator.stats().wallets.acct_primary!;
    const { body: created } = await createRaw(minimalBody('[sim:fail] doomed'), 'life-fail');
    const failed = await waitFor(async () => {
      const { body } = await rawRequest(simulator, `/api/v1/generations/${created.id}`);
      return body.status === 'failed' ? body : undefined;
    });
    expect(failed).toMatchObject({ final_credits: 0, result: null, error: { code: 'generation_failed' } });
    expect(simulator.stats().wallets.acct_primary).toBe(before);
    expect(simulator.stats().ledger.map((e) => e.kind)).toEqual(['reserve', 'refund']);
  });

  test("unknown ids and other accounts' tasks are 404 not_found", async () => {
    const { body: created } = await createRaw(minimalBody(), 'mine');
    expect((await rawRequest(simulator, '/api/v1/generations/task_nope')).body.error.code).toBe('not_found');
    const other = await rawRequest(simulator, `/api/v1/generations/${created.id}`, { apiKey: OTHER_ACCOUNT_KEY });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('not_found');
  });
});

describe('validation (S8): 400 validation_failed naming the field', () => {
  test.each([
    ['unknown model', { ...minimalBody(), model: 'sora-3' }, 'model'],
    ['missing prompt', { model: 'sora-2' }, 'prompt'],
    ['prompt over 10000 chars', minimalBody('p'.repeat(10_001)), 'prompt'],
    ['unknown params key', { ...minimalBody(), params: { fps: '30' } }, 'params.fps'],
    ['wrong option', { ...minimalBody(), params: { n_frames: '20' } }, 'params.n_frames'],
    ['size on sora-2', { ...minimalBody(), params: { size: 'high' } }, 'params.size'],
    ['top-level files', { ...minimalBody(), files: [] }, 'files'],
    ['two references', { ...minimalBody(), params: { referenceMediaItems: [{}, {}] } }, 'params.referenceMediaItems'],
    [
      'a reference that is not our file',
      { ...minimalBody(), params: { referenceMediaItems: [{ url: 'https://example.com/a.png', kind: 'image' }] } },
      'params.referenceMediaItems[0].url',
    ],
    ['client_request_id over 128', { ...minimalBody(), client_request_id: 'c'.repeat(129) }, 'client_request_id'],
  ])('%s', async (_name, body, field) => {
    const response = await createRaw(body, undefined);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.message.startsWith(`${field}:`)).toBe(true);
    expect(simulator.stats().tasks).toHaveLength(0);
  });

  test('prompt of exactly 10000 characters is accepted', async () => {
    expect((await createRaw(minimalBody('p'.repeat(10_000)))).status).toBe(202);
  });

  test('an Idempotency-Key over 255 characters is rejected', async () => {
    const response = await createRaw(minimalBody(), 'k'.repeat(256));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/^Idempotency-Key/);
  });
});

describe('files (D5, S5)', () => {
  test('an image upload answers 201 with the file object, type from magic bytes', async () => {
    const { status, body } = await upload(
      mediaBytes('webp', 2048),
      { kind: 'image', model: 'sora-2', client_request_id: 'wf-1' },
      'photo.jpg',
    );
    expect(status).toBe(201);
    expect(body).toMatchObject({
      object: 'file',
      kind: 'image',
      mime_type: 'image/webp',
      size_bytes: 2048,
      name: 'photo.jpg',
      duration_token: null,
    });
    expect(body.id).toMatch(/^file_/);
    const owned = await rawRequest(simulator, `/api/v1/files/${body.id}`);
    expect(owned.body.url).toBe(body.url);
    expect((await rawRequest(simulator, `/api/v1/files/${body.id}`, { apiKey: OTHER_ACCOUNT_KEY })).status).toBe(404);
  });

  test('an uploaded file can be the sora-2 reference', async () => {
    const { body: file } = await upload(mediaBytes('png'), { kind: 'image', model: 'sora-2' });
    const response = await createRaw({ ...minimalBody(), params: { referenceMediaItems: [{ url: file.url, kind: 'image' }] } });
    expect(response.status).toBe(202);
    const other = await createRaw(
      { ...minimalBody(), params: { referenceMediaItems: [{ url: file.url, kind: 'image' }] } },
      undefined,
      OTHER_ACCOUNT_KEY,
    );
    expect(other.status).toBe(400);
  });

  test.each([
    ['HTML named .png', Buffer.from('<html><body>hi</body></html>'), { kind: 'image' }, 'file'],
    ['empty file', Buffer.alloc(0), { kind: 'image' }, 'file'],
    ['10 MB + 1 byte', mediaBytes('png', 10 * 1024 * 1024 + 1), { kind: 'image' }, 'file'],
    ['video for sora-2', mediaBytes('mp4'), { kind: 'video', model: 'sora-2' }, 'kind'],
    ['missing kind', mediaBytes('png'), {}, 'kind'],
    ['unknown model', mediaBytes('png'), { kind: 'image', model: 'sora-9' }, 'model'],
  ])('%s is rejected', async (_name, bytes, fields, field) => {
    const { status, body } = await upload(bytes, fields as Record<string, string>);
    expect(status).toBe(400);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message.startsWith(`${field}:`)).toBe(true);
    expect(simulator.stats().files).toBe(0);
  });
});

describe('rate limits and the admin API', () => {
  test('a genuine per-key limit answers 429 rate_limited with Retry-After', async () => {
    simulator.configure({ rateLimitPerSecond: 2 });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof rawRequest>> | undefined;
    for (let i = 0; i < 5; i += 1) {
      const response = await rawRequest(simulator, '/api/v1/credits');
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toContain(429);
    expect(limited!.body.error.code).toBe('rate_limited');
    expect(limited!.headers['retry-after']).toBe('1');
  });

  test('stats, config and reset work over HTTP', async () => {
    await createRaw(minimalBody(), 'admin-1');
    const admin = adminAuth(simulator);
    const stats = await rawRequest(simulator, '/_simulator/stats', admin);
    expect(stats.body.tasks).toHaveLength(1);
    expect(stats.body.counters.createGeneration.byStatus['202']).toBe(1);

    const configured = await rawRequest(simulator, '/_simulator/config', {
      method: 'POST',
      ...admin,
      body: JSON.stringify({ faults: { getCredits: { script: ['unavailable'] } } }),
    });
    expect(configured.status).toBe(200);
    expect((await rawRequest(simulator, '/api/v1/credits')).status).toBe(503);
    expect((await rawRequest(simulator, '/api/v1/credits')).status).toBe(200);

    const bad = await rawRequest(simulator, '/_simulator/config', { method: 'POST', ...admin, body: JSON.stringify({ failureRate: 3 }) });
    expect(bad.status).toBe(400);

    await rawRequest(simulator, '/_simulator/reset', { method: 'POST', ...admin, body: '{}' });
    expect((await rawRequest(simulator, '/_simulator/stats', admin)).body.tasks).toHaveLength(0);
  });

  test('fault rates are deterministic under a seed', async () => {
    const run = async () => {
      simulator.reset({ seed: 42, faults: { getCredits: { rates: { server_error: 0.5 }, script: [] } } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await rawRequest(simulator, '/api/v1/credits')).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });
});

describe('callers that hang up', () => {
  test('a create whose caller hangs up mid-body is no error of the simulator: nothing logged, no task, the next call is answered', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { port } = new URL(simulator.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        'POST /api/v1/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          `Authorization: Bearer ${TEST_API_KEY}\r\nContent-Length: 1000\r\n\r\n{"model": "sora-2", "pro`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      // The cut is seen by the server when the socket closes; the next request is served after it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await createRaw(minimalBody())).status).toBe(202);
      expect(simulator.store.tasks.size).toBe(1);
      expect(errors.mock.calls.filter((call) => String(call[0]).includes('[rivya-simulator]'))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });
});
