/**
 * The simulator's parts without a socket: fault decoding, route matching, route handlers, public
 * media lookup and config merging, each called directly.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { MODEL_SPECS } from '../../src/contract/models';
import type { Caller } from '../../simulator/auth';
import { FAULT_KINDS, mergeConfig, simulatorConfigSchema, type FaultKind, type SimulatorConfig } from '../../simulator/config';
import { decodeFault, NO_FAULT } from '../../simulator/fault-outcome';
import { publicApiDisabled, SimulatorHttpError } from '../../simulator/http';
import { lookupMedia } from '../../simulator/media';
import { matchRoute, routeHandlers, type RouteDeps } from '../../simulator/routes';
import { SimulatorStore } from '../../simulator/store';

const PRIMARY: Caller = { apiKey: 'rvya_sk_unit_primary', account: 'acct_primary' };
const OTHER: Caller = { apiKey: 'rvya_sk_unit_other', account: 'acct_other' };
const NOW = Date.parse('2026-05-11T12:00:00Z');

let config: SimulatorConfig;
let store: SimulatorStore;
let deps: RouteDeps;

beforeEach(() => {
  config = simulatorConfigSchema.parse({
    apiKeys: [
      { key: PRIMARY.apiKey, account: PRIMARY.account },
      { key: OTHER.apiKey, account: OTHER.account },
    ],
    initialCredits: 100,
    // Long enough that no task changes status while a test runs.
    timing: { queuedMs: [60_000, 60_000], processingMs: { default: [60_000, 60_000] } },
  });
  store = new SimulatorStore(config, (taskId) => `http://sim.test/media/videos/${taskId}.mp4`);
  deps = { store, storageDir: '/nonexistent', config: () => config, publicBaseUrl: () => 'http://sim.test', now: () => NOW };
});
afterEach(() => store.close());

/** Just enough of an IncomingMessage for handlers that read headers and a JSON body. */
function jsonRequest(body: unknown, headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(JSON.stringify(body))]), { headers }) as unknown as IncomingMessage;
}

const NO_BODY = jsonRequest(null);
const createBody = { model: 'sora-2', prompt: 'a red fox runs through snow', params: { n_frames: '10' } };

async function expectHttpError(run: () => unknown, status: number, code: string): Promise<void> {
  const error = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  expect(error).toBeInstanceOf(SimulatorHttpError);
  expect(error).toMatchObject({ status, code });
}

describe('fault outcome decoding', () => {
  const rules = { rates: {}, script: [], slowMs: 1_500, retryAfterSeconds: 7 };
  const decode = (kind: FaultKind) => decodeFault({ kind, rules }, NOW);

  test('no fault: handle at once and send the answer', () => {
    expect(decodeFault(undefined, NOW)).toEqual({ kind: 'handle', delayMs: 0, delivery: 'send' });
    expect(decodeFault(undefined, NOW)).toBe(NO_FAULT);
  });

  test('every fault kind decodes to an outcome', () => {
    for (const kind of FAULT_KINDS) expect(['reject', 'reset-connection', 'handle']).toContain(decode(kind).kind);
  });

  test('429 with seconds, without Retry-After, and with an HTTP-date one second past the delay', () => {
    expect(decode('rate_limited')).toMatchObject({
      kind: 'reject',
      error: { status: 429, code: 'rate_limited', headers: { 'Retry-After': '7' } },
    });
    expect(decode('rate_limited_no_retry_after')).toMatchObject({ kind: 'reject', error: { status: 429, headers: {} } });
    const dated = decode('rate_limited_http_date');
    if (dated.kind !== 'reject') throw new Error(`expected reject, got ${dated.kind}`);
    expect(dated.error.headers['Retry-After']).toBe(new Date(NOW + 8_000).toUTCString());
  });

  test('server_error is a 500, unavailable the same 503 as a disabled public API', () => {
    expect(decode('server_error')).toMatchObject({ kind: 'reject', error: { status: 500, code: 'internal_error' } });
    const unavailable = decode('unavailable');
    if (unavailable.kind !== 'reject') throw new Error(`expected reject, got ${unavailable.kind}`);
    expect(unavailable.error).toEqual(publicApiDisabled());
    expect(unavailable.error.message).toBe(publicApiDisabled().message);
  });

  test('reset drops the connection before handling', () => {
    expect(decode('reset')).toEqual({ kind: 'reset-connection' });
  });

  test('slow, lost and malformed responses still handle (and commit) the request', () => {
    expect(decode('slow')).toEqual({ kind: 'handle', delayMs: 1_500, delivery: 'send' });
    expect(decode('lost_response')).toEqual({ kind: 'handle', delayMs: 0, delivery: 'lose-response-after-commit' });
    expect(decode('malformed_json')).toEqual({ kind: 'handle', delayMs: 0, delivery: 'malformed-json-after-commit' });
  });
});

describe('route matching', () => {
  test('a path with an id captures it, still encoded', () => {
    const match = matchRoute('GET', '/api/v1/generations/task%20abc');
    expect(match?.route).toMatchObject({ endpoint: 'getGeneration', access: { scope: 'generations:read' } });
    expect(match?.rawParams).toEqual(['task%20abc']);
  });

  test('the model list is public; the method must match; unknown paths match nothing', () => {
    expect(matchRoute('GET', '/api/v1/models')?.route.access).toBe('public');
    expect(matchRoute('POST', '/api/v1/generations')?.route.endpoint).toBe('createGeneration');
    expect(matchRoute('DELETE', '/api/v1/generations')).toBeUndefined();
    expect(matchRoute('GET', '/api/v1/generations/a/b')).toBeUndefined();
  });
});

describe('route handlers', () => {
  test('listModels lists the models table with its credits', async () => {
    const answer = await routeHandlers.listModels(deps, { req: NO_BODY, caller: PRIMARY, params: [] });
    expect(answer.status).toBe(200);
    const body = answer.body as { data: Array<{ id: string; base_credits: number }> };
    expect(body.data.map(({ id, base_credits }) => [id, base_credits])).toEqual(
      Object.values(MODEL_SPECS).map((spec) => [spec.id, spec.baseCredits]),
    );
  });

  test('getCredits answers the caller’s own wallet', async () => {
    store.wallets.set(OTHER.account, 5);
    const answer = await routeHandlers.getCredits(deps, { req: NO_BODY, caller: PRIMARY, params: [] });
    expect(answer).toEqual({ status: 200, body: { current_credits: 100 } });
  });

  test('createGeneration answers 202 and reserves; the same key and body replays with 200', async () => {
    const ctx = () => ({ req: jsonRequest(createBody, { 'idempotency-key': 'k1' }), caller: PRIMARY, params: [] });
    const created = await routeHandlers.createGeneration(deps, ctx());
    expect(created.status).toBe(202);
    expect(created.headers).toBeUndefined();
    expect(created.body).toMatchObject({ object: 'generation', status: 'queued', reserved_credits: MODEL_SPECS['sora-2'].baseCredits });
    expect(store.balance(PRIMARY.account)).toBe(100 - MODEL_SPECS['sora-2'].baseCredits);

    const replayed = await routeHandlers.createGeneration(deps, ctx());
    expect(replayed).toMatchObject({ status: 200, headers: { 'Idempotent-Replayed': 'true' } });
    expect((replayed.body as { id: string }).id).toBe((created.body as { id: string }).id);
    expect(store.tasks.size).toBe(1);
  });

  test('createGeneration rejects a body that fails validation with 400 and creates nothing', async () => {
    await expectHttpError(
      () => routeHandlers.createGeneration(deps, { req: jsonRequest({ ...createBody, model: 'sora-9' }), caller: PRIMARY, params: [] }),
      400,
      'validation_failed',
    );
    expect(store.tasks.size).toBe(0);
  });

  test('getGeneration reads the caller’s task, counts the read, and hides other accounts’ tasks', async () => {
    const created = await routeHandlers.createGeneration(deps, { req: jsonRequest(createBody), caller: PRIMARY, params: [] });
    const taskId = (created.body as { id: string }).id;

    const read = await routeHandlers.getGeneration(deps, { req: NO_BODY, caller: PRIMARY, params: [taskId] });
    expect(read).toMatchObject({ status: 200, body: { id: taskId, status: 'queued' } });
    expect(store.tasks.get(taskId)?.statusReads).toBe(1);

    await expectHttpError(() => routeHandlers.getGeneration(deps, { req: NO_BODY, caller: OTHER, params: [taskId] }), 404, 'not_found');
    await expectHttpError(
      () => routeHandlers.getGeneration(deps, { req: NO_BODY, caller: PRIMARY, params: ['task_missing'] }),
      404,
      'not_found',
    );
  });
});

describe('public media lookup', () => {
  test('non-media paths pass through; unknown, unfinished or expired media are missing', async () => {
    expect(lookupMedia(store, '/api/v1/models', NOW)).toEqual({ kind: 'not-media' });
    expect(lookupMedia(store, '/media/videos/task_missing.mp4', NOW)).toEqual({ kind: 'missing' });

    const created = await routeHandlers.createGeneration(deps, { req: jsonRequest(createBody), caller: PRIMARY, params: [] });
    const taskId = (created.body as { id: string }).id;
    expect(lookupMedia(store, `/media/videos/${taskId}.mp4`, NOW)).toEqual({ kind: 'missing' });
    store.tasks.get(taskId)!.status = 'succeeded';
    expect(lookupMedia(store, `/media/videos/${taskId}.mp4`, NOW, __filename)).toEqual({
      kind: 'file',
      path: __filename,
      mime: 'video/mp4',
    });

    store.addFile({
      id: 'file_1',
      account: PRIMARY.account,
      kind: 'image',
      name: null,
      mimeType: 'image/png',
      sizeBytes: 1,
      storagePath: '/tmp/file_1',
      url: 'http://sim.test/media/files/file_1',
      clientRequestId: undefined,
      createdAt: NOW,
      expiresAt: NOW + 1_000,
    });
    expect(lookupMedia(store, '/media/files/file_1', NOW)).toEqual({ kind: 'file', path: '/tmp/file_1', mime: 'image/png' });
    expect(lookupMedia(store, '/media/files/file_1', NOW + 1_000)).toEqual({ kind: 'missing' });
  });
});

describe('config merging', () => {
  test('nested objects merge, scalars replace, invalid values are a 400 naming the field', async () => {
    const merged = mergeConfig(config, { failureRate: 0.5, timing: { timeScale: 0.1 }, faults: { getCredits: { script: ['reset'] } } });
    expect(merged.failureRate).toBe(0.5);
    expect(merged.timing).toMatchObject({ timeScale: 0.1, queuedMs: [60_000, 60_000] });
    expect(merged.faults.getCredits).toMatchObject({ script: ['reset'], slowMs: 2_000 });
    await expectHttpError(() => mergeConfig(config, { failureRate: 3 }), 400, 'validation_failed');
  });
});
