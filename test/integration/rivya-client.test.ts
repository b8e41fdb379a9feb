/**
 * The typed client against the simulator over real sockets: each injected fault becomes the
 * documented error type, and no error ever carries the API key.
 */
import { Readable } from 'node:stream';
import type { RivyaSimulator } from '../../simulator/index';
import {
  isRetryableApiError,
  RivyaAbortedError,
  RivyaApiError,
  RivyaNetworkError,
  RivyaResponseError,
  RivyaTimeoutError,
  type CreateGenerationRequest,
} from '../../src/rivya';
import { mediaBytes, tempDir, writeTemp } from '../helpers/media';
import { caught, clientFor, startTestSimulator, TEST_API_KEY } from '../helpers/simulator';

let simulator: RivyaSimulator;

const request: CreateGenerationRequest = { model: 'sora-2', prompt: 'a paper boat on a river', params: { n_frames: '10' } };

beforeAll(async () => {
  simulator = await startTestSimulator();
});
beforeEach(() => simulator.reset());
afterAll(() => simulator?.close());

test('create, replay and read a generation', async () => {
  const client = clientFor(simulator);
  const created = await client.createGeneration(request, { idempotencyKey: 'wf-1' });
  expect(created.replayed).toBe(false);
  expect(created.task).toMatchObject({ status: 'queued', reserved_credits: 6 });
  const replay = await client.createGeneration(request, { idempotencyKey: 'wf-1' });
  expect(replay).toMatchObject({ replayed: true, task: { id: created.task.id } });
  const read = await client.getGeneration(created.task.id);
  expect(read.id).toBe(created.task.id);
  expect((await client.getCredits()).current_credits).toBe(100_000 - 6);
  expect((await client.listModels()).data.map((model) => model.id)).toContain('sora-2');
});

test('uploadFile streams from a path and from a stream', async () => {
  const client = clientFor(simulator);
  const path = writeTemp(tempDir(), 'ref.jpg', mediaBytes('jpeg', 4096));
  const fromPath = await client.uploadFile({ source: path, kind: 'image', model: 'sora-2', clientRequestId: 'wf-2' });
  expect(fromPath).toMatchObject({ kind: 'image', mime_type: 'image/jpeg', size_bytes: 4096, name: 'ref.jpg' });
  const fromStream = await client.uploadFile({ source: Readable.from([mediaBytes('png', 1000)]), kind: 'image', name: 'x.png' });
  expect(fromStream).toMatchObject({ mime_type: 'image/png', size_bytes: 1000 });
  expect((await client.getFile(fromStream.id)).url).toBe(fromStream.url);
});

describe('error typing', () => {
  test('validation_failed is a non-retryable RivyaApiError with status, code and requestId', async () => {
    const err = await caught(clientFor(simulator).createGeneration({ ...request, params: { fps: '30' } }, { idempotencyKey: 'bad' }));
    expect(err).toBeInstanceOf(RivyaApiError);
    expect(err).toMatchObject({ code: 'validation_failed', status: 400, retryable: false });
    expect((err as RivyaApiError).requestId).toMatch(/^req_/);
    expect(err.message).toContain('params.fps');
  });

  test('an invalid key is typed and its message never echoes the key', async () => {
    const err = await caught(clientFor(simulator, 'rvya_sk_this_is_not_registered').getCredits());
    expect(err).toMatchObject({ code: 'api_key_invalid', status: 401, retryable: false });
    expect(err.message).not.toContain('rvya_sk_this_is_not_registered');
  });

  test('429 with Retry-After seconds', async () => {
    simulator.configure({ faults: { getCredits: { script: ['rate_limited'], retryAfterSeconds: 3 } } });
    const err = await caught(clientFor(simulator).getCredits());
    expect(err).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, retryAfterMs: 3000 });
  });

  test('429 without Retry-After leaves the backoff to the caller', async () => {
    simulator.configure({ faults: { getCredits: { script: ['rate_limited_no_retry_after'] } } });
    const err = await caught(clientFor(simulator).getCredits());
    expect(err).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: undefined });
  });

  test('429 with an HTTP-date Retry-After', async () => {
    simulator.configure({ faults: { getCredits: { script: ['rate_limited_http_date'], retryAfterSeconds: 5 } } });
    const err = (await caught(clientFor(simulator).getCredits())) as RivyaApiError;
    // HTTP-dates have whole-second resolution: 5 s ahead plus up to 1 s of rounding.
    expect(err.retryAfterMs).toBeGreaterThan(3_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(7_000);
  });

  test('500 with an unknown code is retryable by status', async () => {
    simulator.configure({ faults: { getCredits: { script: ['server_error'] } } });
    const err = await caught(clientFor(simulator).getCredits());
    expect(err).toMatchObject({ code: 'internal_error', status: 500, retryable: true });
  });

  test('503 public_api_disabled is retryable', async () => {
    simulator.configure({ faults: { getCredits: { script: ['unavailable'] } } });
    expect(await caught(clientFor(simulator).getCredits())).toMatchObject({ code: 'public_api_disabled', retryable: true });
  });

  test('a reset connection is a retryable RivyaNetworkError', async () => {
    simulator.configure({ faults: { getCredits: { script: ['reset'] } } });
    const err = await caught(clientFor(simulator).getCredits());
    expect(err).toBeInstanceOf(RivyaNetworkError);
    expect(err.retryable).toBe(true);
  });

  test('a slow answer past the timeout is a RivyaTimeoutError', async () => {
    simulator.configure({ faults: { getCredits: { script: ['slow'], slowMs: 1_000 } } });
    const err = await caught(clientFor(simulator, TEST_API_KEY, 200).getCredits());
    expect(err).toBeInstanceOf(RivyaTimeoutError);
    expect(err.retryable).toBe(true);
  });

  test("the caller's AbortSignal ends the request as RivyaAbortedError", async () => {
    simulator.configure({ faults: { getCredits: { script: ['slow'], slowMs: 1_000 } } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await caught(clientFor(simulator).getCredits({ signal: controller.signal }));
    expect(err).toBeInstanceOf(RivyaAbortedError);
    expect(err.retryable).toBe(false);
  });

  test('a malformed 200 body is a retryable RivyaResponseError', async () => {
    simulator.configure({ faults: { getGeneration: { script: ['malformed_json'] } } });
    const client = clientFor(simulator);
    const { task } = await client.createGeneration(request, { idempotencyKey: 'malformed' });
    const err = await caught(client.getGeneration(task.id));
    expect(err).toBeInstanceOf(RivyaResponseError);
    expect(err.retryable).toBe(true);
  });

  test('unknown codes are classified by HTTP status', () => {
    expect(isRetryableApiError('brand_new_code', 400)).toBe(false);
    expect(isRetryableApiError('brand_new_code', 422)).toBe(false);
    expect(isRetryableApiError('brand_new_code', 429)).toBe(true);
    expect(isRetryableApiError('brand_new_code', 502)).toBe(true);
    // Documented codes win over status: a 503 insufficient_credits would still not be retried.
    expect(isRetryableApiError('insufficient_credits', 503)).toBe(false);
  });
});

test('a lost create response followed by a retry with the same key creates exactly one task', async () => {
  simulator.configure({ faults: { createGeneration: { script: ['lost_response'] } } });
  const client = clientFor(simulator);
  const err = await caught(client.createGeneration(request, { idempotencyKey: 'lost-1' }));
  expect(err).toBeInstanceOf(RivyaNetworkError);
  // The server committed the task although the caller never heard back.
  expect(simulator.stats().tasks).toHaveLength(1);
  const retry = await client.createGeneration(request, { idempotencyKey: 'lost-1' });
  expect(retry.replayed).toBe(true);
  expect(simulator.stats().tasksPerIdempotencyKey['lost-1']).toBe(1);
  expect(simulator.stats().tasks[0]!.id).toBe(retry.task.id);
});

test('the client refuses to create without an idempotency key', async () => {
  await expect(clientFor(simulator).createGeneration(request, { idempotencyKey: '' })).rejects.toThrow(TypeError);
  expect(simulator.stats().tasks).toHaveLength(0);
});

test('the simulator also runs as a standalone process', async () => {
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'simulator', 'main.js')], {
    env: {
      ...process.env,
      RIVYA_SIMULATOR_PORT: '0',
      RIVYA_SIMULATOR_CONFIG: JSON.stringify({ apiKeys: [{ key: TEST_API_KEY, account: 'a' }] }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening on (\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    });
    const client = new (await import('../../src/rivya')).RivyaClient({ apiKey: TEST_API_KEY, baseUrl: url });
    expect((await client.getCredits()).current_credits).toBe(100_000);
  } finally {
    child.kill('SIGTERM');
  }
});
