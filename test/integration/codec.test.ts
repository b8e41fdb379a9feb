/**
 * Payload encryption end to end on the real dev server: a generation run by a worker with the
 * prebuilt workflow bundle and the AES-256-GCM codec (installed by Sora2Plugin on worker and
 * client) leaves no plaintext prompt in the server's history, description or visibility; a history
 * recorded under key k1 still replays and decodes after rotating to [k2, k1], and clearly fails
 * with [k2] alone. Plus the key ring's rules (typed errors that never quote key material).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { executeSora2Generation, Sora2Plugin } from '../../src';
import {
  AesGcmPayloadCodec,
  CodecConfigError,
  CodecKeyRing,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
  readCodecKeyRing,
  UnknownCodecKeyError,
} from '../../src/codec';
import type { RivyaSimulator } from '../../simulator/index';
import { createSora2Worker } from '../../src/worker/create-worker';
import { prebuiltWorkflowBundlePath } from '../../src/worker/workflow-bundle';
import { encodingOf, payloadsIn } from '../helpers/histories';
import { nextId } from '../helpers/ids';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';
import { FAST_POLLING } from '../helpers/stack';
import { startTestTemporal } from '../helpers/temporal-env';

const key = () => randomBytes(32);
const k1 = { id: 'k1', key: key() };
const k2 = { id: 'k2', key: key() };

type History = temporal.api.history.v1.IHistory;

let env: TestWorkflowEnvironment;
let simulator: RivyaSimulator;
let worker: Worker;
let running: Promise<void>;
let encryptedClient: Client;
const taskQueue = `codec-${process.pid}`;
const namespace = 'default';

/** The run's history exactly as the server stores it: the raw service call, no codec anywhere. */
async function rawHistory(workflowId: string): Promise<History> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await env.client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

beforeAll(async () => {
  // The packaged worker's path: the workflow bundle built by `npm run build`, not bundled here.
  if (!existsSync(prebuiltWorkflowBundlePath()))
    throw new Error('codec tests need the prebuilt workflow bundle: run `npm run build` first');
  env = await startTestTemporal();
  simulator = await startTestSimulator();
  ({ worker } = await createSora2Worker({
    connection: env.nativeConnection,
    namespace,
    taskQueue,
    plugin: { apiKey: TEST_API_KEY, baseUrl: simulator.url, encryption: { keys: [k1] } },
    worker: { workflowBundle: { codePath: prebuiltWorkflowBundlePath() } },
  }));
  running = worker.run();
  encryptedClient = new Client({
    connection: env.client.connection,
    namespace,
    plugins: [new Sora2Plugin({ encryption: { keys: [k1] } })],
  });
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running?.catch(() => undefined);
  await simulator?.close();
  await env?.teardown();
});

describe('a generation with the codec on', () => {
  const secret = `confidential-${randomUUID()}`;
  const workflowId = nextId('encrypted');
  let history: History;

  beforeAll(async () => {
    const result = await executeSora2Generation(
      encryptedClient,
      {
        prompt: `[sim:succeed] ${secret} a heron lifting off a misty lake`,
        polling: FAST_POLLING,
        metadata: { title: `${secret} title`, customer: secret },
      },
      { workflowId, taskQueue },
    );
    // The client with the codec reads the worker's encrypted result.
    expect(result).toMatchObject({ workflowId, status: 'succeeded', metadata: { title: `${secret} title`, customer: secret } });
    history = await rawHistory(workflowId);
  });

  test("the server's history holds no byte of the prompt, and every payload in it is encrypted", async () => {
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.length).toBeGreaterThan(1_000);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);

    // Not ours to encrypt: search attributes (indexed by the server; ours hold model/status/task id) and
    // the SDK's patch markers (its own `{"patch_id":…}` in plain JSON: a name from the code, no data).
    const found = payloadsIn(history.events).filter(
      ({ path }) => !path.includes('searchAttributes') && !/markerRecordedEventAttributes\.details\.patch-data/.test(path),
    );
    // Input, activity inputs and results, user metadata (summary, details), memo, the result.
    expect(found.length).toBeGreaterThan(10);
    const notEncrypted = found.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING).map(({ path }) => path);
    expect(notEncrypted).toEqual([]);
    for (const { payload } of found) expect(Buffer.from(payload.metadata![KEY_ID_METADATA_KEY]!).toString()).toBe('k1');

    // Not vacuous: the prompt is in there, readable only through the codec.
    const decoded = await new AesGcmPayloadCodec(new CodecKeyRing([k1])).decode(found.map(({ payload }) => payload));
    expect(decoded.some((payload) => Buffer.from(payload.data!).includes(Buffer.from(secret)))).toBe(true);
  });

  test('neither the description (memo, search attributes, summary) nor the visibility list shows the prompt', async () => {
    const description = await env.client.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId } });
    const describeBytes = Buffer.from(temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(description).finish());
    expect(describeBytes.includes(Buffer.from(workflowId))).toBe(true);
    expect(describeBytes.includes(Buffer.from(secret))).toBe(false);
    const memo = description.workflowExecutionInfo?.memo?.fields ?? {};
    expect(Object.keys(memo).length).toBeGreaterThan(0);
    for (const payload of Object.values(memo)) expect(encodingOf(payload)).toBe(ENCRYPTED_ENCODING);

    const listed = await env.client.workflowService.listWorkflowExecutions({ namespace, query: `WorkflowId = '${workflowId}'` });
    expect(listed.executions).toHaveLength(1);
    const listBytes = Buffer.from(temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse.encode(listed).finish());
    expect(listBytes.includes(Buffer.from(secret))).toBe(false);
  });

  test('a client without the codec cannot read the result; one with it can', async () => {
    await expect(env.client.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);
    const result = await encryptedClient.workflow.getHandle(workflowId).result();
    expect((result as { metadata: { customer: string } }).metadata.customer).toBe(secret);
  });

  test('rotation: the k1 history replays with [k2, k1]; with [k2] alone replay and decode fail naming k1', async () => {
    const workflowBundle = { codePath: prebuiltWorkflowBundlePath() };
    const rotated = new CodecKeyRing([k2, k1]);
    await expect(
      Worker.runReplayHistory({ workflowBundle, plugins: [new Sora2Plugin({ encryption: { keys: rotated } })] }, history, workflowId),
    ).resolves.toBeUndefined();

    const input = payloadsIn(history.events![0]!.workflowExecutionStartedEventAttributes?.input)[0]!.payload;
    const [opened] = (await new AesGcmPayloadCodec(rotated).decode([input])) as [Payload];
    expect(Buffer.from(opened.data!).toString()).toContain(secret);
    // After rotation new payloads are sealed with k2.
    const [resealed] = (await new AesGcmPayloadCodec(rotated).encode([opened])) as [Payload];
    expect(Buffer.from(resealed.metadata![KEY_ID_METADATA_KEY]!).toString()).toBe('k2');

    const k2Only = new CodecKeyRing([k2]);
    const decodeError = await new AesGcmPayloadCodec(k2Only).decode([input]).catch((err: unknown) => err);
    expect(decodeError).toBeInstanceOf(UnknownCodecKeyError);
    expect((decodeError as UnknownCodecKeyError).keyId).toBe('k1');
    expect((decodeError as Error).message).toMatch(/key id "k1", which is not in the key ring \(ids: k2\)/);
    await expect(
      Worker.runReplayHistory({ workflowBundle, plugins: [new Sora2Plugin({ encryption: { keys: k2Only } })] }, history, workflowId),
    ).rejects.toThrow(/k1/);
  });
});

describe('the codec and its key ring', () => {
  const payload = (text: string): Payload => ({
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from(JSON.stringify(text)),
  });

  test('round trip; metadata is sealed too; each encryption uses a fresh IV', async () => {
    const codec = new AesGcmPayloadCodec(new CodecKeyRing([k1]));
    const [a, b] = (await codec.encode([payload('hello'), payload('hello')])) as [Payload, Payload];
    expect(Buffer.from(a.data!).includes(Buffer.from('json/plain'))).toBe(false);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    const [back] = (await codec.decode([a])) as [Payload];
    expect(Buffer.from(back.metadata!.encoding!).toString()).toBe('json/plain');
    expect(Buffer.from(back.data!).toString()).toBe('"hello"');
    // Plain payloads (written before encryption was on) pass through unchanged.
    const plain = payload('old');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  test('altered data, a wrong key under the same id, a missing key id: a PayloadDecryptionError', async () => {
    const codec = new AesGcmPayloadCodec(new CodecKeyRing([k1]));
    const [sealed] = (await codec.encode([payload('x')])) as [Payload];
    const flipped = Buffer.from(sealed.data!);
    flipped[20]! ^= 1;
    await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(PayloadDecryptionError);
    const impostor = new AesGcmPayloadCodec(new CodecKeyRing([{ id: 'k1', key: key() }]));
    await expect(impostor.decode([sealed])).rejects.toThrow(/could not be decrypted with key id "k1"/);
    await expect(codec.decode([{ metadata: { encoding: sealed.metadata!.encoding! }, data: sealed.data! }])).rejects.toThrow(
      /no encryption-key-id/,
    );
  });

  test('RIVYA_CODEC_KEYS: first key encrypts; bad keys are typed errors that never quote the key', () => {
    const b64 = (bytes: Buffer) => bytes.toString('base64');
    const ring = readCodecKeyRing({ RIVYA_CODEC_KEYS: `k2:${b64(k2.key)}, k1:${b64(k1.key)}` });
    expect(ring.encryptingKeyId).toBe('k2');
    expect(ring.keyIds).toEqual(['k2', 'k1']);
    // URL-safe, unpadded base64 is the same key.
    expect(readCodecKeyRing({ RIVYA_CODEC_KEYS: `k1:${k1.key.toString('base64url')}` }).keyIds).toEqual(['k1']);
    // Nothing of the keys shows in JSON or inspect.
    expect(JSON.stringify(ring)).toBe('{"encryptingKeyId":"k2","keyIds":["k2","k1"]}');
    expect(inspect(ring)).not.toContain(b64(k1.key).slice(0, 10));

    const short = randomBytes(16).toString('base64');
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /set RIVYA_CODEC_KEYS/],
      [{ RIVYA_CODEC_KEYS: `k1:${short}` }, /key "k1" is 16 bytes; AES-256 needs exactly 32/],
      [{ RIVYA_CODEC_KEYS: `k1:${b64(k1.key)}!` }, /key "k1" is not base64/],
      [{ RIVYA_CODEC_KEYS: b64(k1.key) }, /entry #1 is not id:base64key/],
      [{ RIVYA_CODEC_KEYS: `k1:${b64(k1.key)},k1:${b64(k2.key)}` }, /key id "k1" is given twice/],
      [{ RIVYA_CODEC_KEYS: `-bad:${b64(k1.key)}` }, /key #1 has no valid id/],
    ];
    for (const [variables, message] of cases) {
      let error: unknown;
      try {
        readCodecKeyRing(variables);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CodecConfigError);
      expect((error as Error).message).toMatch(message);
      for (const secret of [short, b64(k1.key), b64(k2.key)]) expect((error as Error).message).not.toContain(secret.slice(0, 12));
    }
  });

  test('RIVYA_CODEC_KEY_FILE: JSON or lines; appended after RIVYA_CODEC_KEYS; unreadable or malformed files are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-keys-'));
    const json = join(dir, 'keys.json');
    writeFileSync(json, JSON.stringify({ keys: [{ id: 'k1', key: k1.key.toString('base64') }] }));
    const lines = join(dir, 'keys.txt');
    writeFileSync(lines, `# rotated 2025-01\nk2:${k2.key.toString('base64')}\n\nk1:${k1.key.toString('base64')}\n`);
    expect(readCodecKeyRing({ RIVYA_CODEC_KEY_FILE: json }).keyIds).toEqual(['k1']);
    expect(readCodecKeyRing({ RIVYA_CODEC_KEY_FILE: lines }).keyIds).toEqual(['k2', 'k1']);
    const both = readCodecKeyRing({ RIVYA_CODEC_KEYS: `k3:${key().toString('base64')}`, RIVYA_CODEC_KEY_FILE: json });
    expect(both.keyIds).toEqual(['k3', 'k1']);

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, `{"keys": [{"id": "k1", "key": "${k1.key.toString('base64')}"`);
    expect(() => readCodecKeyRing({ RIVYA_CODEC_KEY_FILE: broken })).toThrow(/is not valid JSON/);
    expect(() => readCodecKeyRing({ RIVYA_CODEC_KEY_FILE: broken })).not.toThrow(new RegExp(k1.key.toString('base64').slice(0, 12)));
    expect(() => readCodecKeyRing({ RIVYA_CODEC_KEY_FILE: join(dir, 'missing') })).toThrow(/cannot be read \(ENOENT\)/);
  });

  test('the plugin refuses to start without usable keys instead of running unencrypted', () => {
    expect(() => new Sora2Plugin({ encryption: true, env: {} })).toThrow(CodecConfigError);
    expect(() => new Sora2Plugin({ encryption: { keys: [{ id: 'k1', key: randomBytes(31) }] } })).toThrow(/31 bytes/);
    expect(() => new Sora2Plugin({ encryption: true, env: { RIVYA_CODEC_KEYS: `k1:${k1.key.toString('base64')}` } })).not.toThrow();
  });
});
