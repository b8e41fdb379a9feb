/**
 * Saving results end to end: the real Temporal dev server, the Rivya simulator, real workers (in
 * process and as child processes that get SIGKILLed) and a real S3-compatible server (moto, see
 * tools/testing/s3-server.ts). A front (test/helpers/video-front.ts) stands between the worker and the
 * simulator where a test must decide how the video download goes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startSora2Generation, type Sora2PluginOptions } from '../../src';
import { assetPath } from '../../src/internal/package-root';
import type { RivyaSimulator } from '../../simulator/index';
import { savedFileName } from '../../src/storage';
import { startS3TestServer, type S3TestServer } from '../../tools/testing/s3-server';
import { spawnWorkerProcess } from '../../tools/testing/worker-process';
import { createSora2Worker } from '../../src/worker/create-worker';
import { cleanEnv, runCli, type LongRunning } from '../helpers/cli-process';
import { startDevRun } from '../helpers/dev-run';
import { nextId } from '../helpers/ids';
import { startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';
import { FAST_POLLING } from '../helpers/stack';
import { startTestTemporal } from '../helpers/temporal-env';
import { startVideoFront, writeSlowly, type ServeVideo, type VideoFront } from '../helpers/video-front';

jest.setTimeout(240_000);

const SAMPLE = readFileSync(assetPath('sample-video.mp4'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let s3Server: S3TestServer;
/** For assertions only; its response checksum validation is off (moto reports a multipart object's CRC32 as the whole object's). */
let s3: S3Client;
let env: TestWorkflowEnvironment;
let simulator: RivyaSimulator;
const scratch: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  s3Server = await startS3TestServer({ log: (line) => console.log(line) });
  s3 = new S3Client({
    endpoint: s3Server.endpoint,
    region: s3Server.env.AWS_REGION,
    credentials: { accessKeyId: s3Server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3Server.env.AWS_SECRET_ACCESS_KEY! },
    forcePathStyle: true,
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  env = await startTestTemporal();
  simulator = await startTestSimulator();
}, 240_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  s3?.destroy();
  await simulator?.close();
  await env?.teardown();
  await s3Server?.stop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  scratch.push(dir);
  return dir;
}

let bucketCounter = 0;
async function newBucket(): Promise<string> {
  const bucket = `rivya-save-${process.pid}-${(bucketCounter += 1)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function objectKeys(bucket: string): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key!).sort();
}

async function openUploads(bucket: string): Promise<string[]> {
  return ((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).map((upload) => upload.Key!);
}

async function objectBody(bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

let queueCounter = 0;
/** A worker in this process with the plugin's options (the prebuilt workflow bundle, as in production). */
async function inProcessWorker(plugin: Partial<Sora2PluginOptions>): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `save-result-${process.pid}-${(queueCounter += 1)}`;
  const { worker } = await createSora2Worker({
    connection: env.nativeConnection,
    taskQueue,
    plugin: { apiKey: TEST_API_KEY, baseUrl: simulator.url, ...plugin },
  });
  const running = worker.run();
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  return { worker, taskQueue };
}

async function front(serve?: ServeVideo): Promise<VideoFront> {
  const started = await startVideoFront(simulator.url, serve);
  cleanups.push(() => started.close());
  return started;
}

const generation = (prompt: string, to: string) => ({ prompt: `[sim:succeed] ${prompt}`, polling: FAST_POLLING, save: { to } });

test('a download cut mid-body: the retry restarts it, one complete file below the save directory, no partial file left', async () => {
  const saveRoot = scratchDir('rivya-save-root-');
  // The first download stops after 2 KiB of the 4.7 KiB clip (the connection drops); the second is served whole.
  const media = await front(async (download) => {
    if (download.number > 1) return false;
    await writeSlowly(download, SAMPLE, { chunk: 1024, pauseMs: 20, cutAfter: 2048 });
    return true;
  });
  const { taskQueue } = await inProcessWorker({
    baseUrl: media.url,
    saveDirectory: saveRoot,
    referenceUrlPolicy: { allowHttp: true, allowPrivateNetworks: true },
  });
  const workflowId = nextId('save/cut mid-body');
  const handle = await startSora2Generation(env.client, generation('cut mid-body', 'videos/cut'), { workflowId, taskQueue });
  const result = await handle.result();

  const path = join(saveRoot, 'videos', 'cut', savedFileName(workflowId));
  expect(result.saved).toEqual({ location: path, bytes: SAMPLE.length, contentType: 'video/mp4', sha256: sha256(SAMPLE) });
  expect(media.downloads()).toBe(2);
  expect(readFileSync(path)).toEqual(SAMPLE);
  expect(readdirSync(join(saveRoot, 'videos', 'cut')).sort()).toEqual([savedFileName(workflowId), `${savedFileName(workflowId)}.json`]);
});

test('a worker SIGKILLed mid-upload to S3: the next worker aborts the open multipart upload and saves one complete object', async () => {
  const bucket = await newBucket();
  // 24 MiB at ~4 MiB/s: three 8 MiB parts, so the kill lands while a multipart upload is open.
  const video = Buffer.concat([SAMPLE.subarray(0, 32), randomBytes(24 * 1024 * 1024 - 32)]);
  const media = await front(async (download) => {
    await writeSlowly(download, video, { chunk: 256 * 1024, pauseMs: 60 });
    return true;
  });
  const taskQueue = `save-kill-${process.pid}`;
  const workerEnv = { ...s3Server.env, RIVYA_REFERENCE_URL_ALLOW_PRIVATE: 'true' };
  const spawnWorker = () =>
    spawnWorkerProcess({ temporalAddress: env.address, taskQueue, rivyaBaseUrl: media.url, apiKey: TEST_API_KEY, extraEnv: workerEnv });
  let worker = await spawnWorker();
  cleanups.push(() => worker.kill('SIGKILL'));
  const workflowId = nextId('save-killed');
  const handle = await startSora2Generation(env.client, generation('killed mid-save', `s3://${bucket}/videos`), { workflowId, taskQueue });

  const key = `videos/${savedFileName(workflowId)}`;
  await waitFor(async () => ((await openUploads(bucket)).length > 0 ? true : undefined), 60_000, 100);
  await worker.kill('SIGKILL');
  expect(await openUploads(bucket)).toEqual([`${key}.partial-1`]);
  expect(await objectKeys(bucket)).toEqual([]);

  worker = await spawnWorker();
  const result = await handle.result();
  expect(result.saved).toEqual({ location: `s3://${bucket}/${key}`, bytes: video.length, contentType: 'video/mp4', sha256: sha256(video) });
  expect(media.downloads()).toBe(2); // the killed attempt's, and one restart
  expect(await openUploads(bucket)).toEqual([]);
  expect(await objectKeys(bucket)).toEqual([key]);
  expect(sha256(await objectBody(bucket, key))).toBe(sha256(video));
  await worker.kill('SIGTERM');
});

/** The workflow's failure for a save that gave up: ResultNotSaved, caused by the activity's non-retryable refusal. */
async function notSaved(promise: Promise<unknown>): Promise<{ message: string; cause: ApplicationFailure }> {
  const err = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure.type).toBe('ResultNotSaved');
  const activity = failure.cause as ActivityFailure;
  expect(activity).toBeInstanceOf(ActivityFailure);
  const cause = activity.cause as ApplicationFailure;
  expect(cause.type).toBe('ResultSaveRejected');
  expect(cause.nonRetryable).toBe(true);
  return { message: failure.message, cause };
}

test('a result URL at a private address is refused (directly, or by a redirect): nothing fetched from it, nothing written', async () => {
  const saveRoot = scratchDir('rivya-save-private-');
  // Plain http allowed, private addresses not: the simulator's own video URL is on 127.0.0.1.
  const direct = await front();
  const guarded = await inProcessWorker({ baseUrl: direct.url, saveDirectory: saveRoot, referenceUrlPolicy: { allowHttp: true } });
  const first = await startSora2Generation(env.client, generation('private', 'videos'), {
    workflowId: nextId('save-private'),
    taskQueue: guarded.taskQueue,
  });
  const refused = await notSaved(first.result());
  expect(refused.cause.message).toMatch(/result URL refused: points at a non-public address/);
  expect(refused.message).toMatch(/succeeded but its video was not saved to videos/);
  expect(direct.downloads()).toBe(0);

  // The media host itself is trusted (allowedHosts), but it redirects to the cloud metadata address.
  const redirecting = await front((download) => {
    download.res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/video.mp4' }).end();
    return true;
  });
  const trusting = await inProcessWorker({
    baseUrl: redirecting.url,
    saveDirectory: saveRoot,
    referenceUrlPolicy: { allowHttp: true, allowedHosts: ['127.0.0.1'] },
  });
  const second = await startSora2Generation(env.client, generation('redirected', 'videos'), {
    workflowId: nextId('save-redirected'),
    taskQueue: trusting.taskQueue,
  });
  const redirected = await notSaved(second.result());
  expect(redirected.cause.message).toMatch(/result URL refused: points at a non-public address/);
  expect(redirecting.downloads()).toBe(1);
  expect(readdirSync(saveRoot)).toEqual(['videos']);
  expect(readdirSync(join(saveRoot, 'videos'))).toEqual([]);
});

describe('rivya-sora2 generate --save-to, against rivya-sora2 dev', () => {
  let dev: LongRunning;
  let devCwd: string;
  let temporalAddress: string;

  beforeAll(async () => {
    devCwd = scratchDir('rivya-save-dev-');
    // dev's worker saves below the directory it runs in, and reads the AWS chain from its environment.
    ({ dev, temporalAddress } = await startDevRun(['--no-webhooks'], cleanEnv(s3Server.env), devCwd, 150_000));
  }, 180_000);

  afterAll(async () => {
    await dev?.stop('SIGINT');
  });

  /** The CLI against dev's server, in the directory dev runs in (its save root), saving to `saveTo` and waiting. */
  const saving = (args: string[], saveTo: string, timeoutMs: number) =>
    runCli(
      [...args, '--expected-duration', '6', '--save-to', saveTo, '--wait'],
      cleanEnv({ TEMPORAL_ADDRESS: temporalAddress }),
      timeoutMs,
      devCwd,
    );
  const generate = (workflowId: string, saveTo: string) =>
    saving(['generate', '--prompt', '[sim:succeed] saved', '--workflow-id', workflowId], saveTo, 120_000);

  test('--save-to ./videos saves below the directory dev runs in and prints where', async () => {
    expect(dev.output()).toContain(`Saving: generate --save-to <dir> writes below ${devCwd}`);
    const workflowId = nextId('cli-save-dir');
    const run = await generate(workflowId, './videos');
    expect(run.code).toBe(0);
    const path = join(devCwd, 'videos', savedFileName(workflowId));
    expect(run.stdout).toContain(`saved: ${path} (${SAMPLE.length} bytes, video/mp4, sha256 ${sha256(SAMPLE)})`);
    expect(readFileSync(path)).toEqual(SAMPLE);
  });

  test('--save-to s3://bucket/prefix saves one object with its checksum', async () => {
    const bucket = await newBucket();
    const workflowId = nextId('cli-save-s3');
    const run = await generate(workflowId, `s3://${bucket}/runs/today`);
    expect(run.code).toBe(0);
    const key = `runs/today/${savedFileName(workflowId)}`;
    expect(run.stdout).toContain(`saved: s3://${bucket}/${key} (${SAMPLE.length} bytes, video/mp4, sha256 ${sha256(SAMPLE)})`);
    expect(await objectKeys(bucket)).toEqual([key]);
    expect(await objectBody(bucket, key)).toEqual(SAMPLE);
  });

  // The issue's "done when": a file of 20 prompts, every video saved, to a directory and to S3.
  const FIXTURE_KEYS = Array.from({ length: 20 }, (_, i) => `clip-${String(i + 1).padStart(2, '0')}`);
  const batch = (batchId: string, saveTo: string) =>
    saving(
      ['batch', '--file', join(__dirname, '..', 'fixtures', 'batch-20.jsonl'), '--batch-id', batchId, '--concurrency', '20'],
      saveTo,
      240_000,
    );

  test('batch --file <20 prompts> --save-to ./batch-videos: 20 videos in the directory, each listed in the table', async () => {
    const batchId = nextId('cli-batch-save-dir');
    const run = await batch(batchId, './batch-videos');
    expect({ code: run.code, stderr: run.stderr.slice(-2_000) }).toMatchObject({ code: 0 });
    const directory = join(devCwd, 'batch-videos');
    const expected = FIXTURE_KEYS.map((key) => savedFileName(`${batchId}/${key}`)).sort();
    // Each video with its record (task id, SHA-256, size) next to it.
    expect(readdirSync(directory).sort()).toEqual(expected.flatMap((name) => [name, `${name}.json`]));
    for (const name of expected) expect(readFileSync(join(directory, name))).toEqual(SAMPLE);
    for (const key of FIXTURE_KEYS) {
      const row = run.stdout.split('\n').find((line) => line.startsWith(`${key} `));
      expect(row).toMatch(/\ssucceeded\s+task_/);
      expect(row).toContain(join(directory, savedFileName(`${batchId}/${key}`)));
    }
  }, 300_000);

  test('batch --file <20 prompts> --save-to s3://bucket/prefix: 20 objects, one per item', async () => {
    const bucket = await newBucket();
    const batchId = nextId('cli-batch-save-s3');
    const run = await batch(batchId, `s3://${bucket}/batches`);
    expect({ code: run.code, stderr: run.stderr.slice(-2_000) }).toMatchObject({ code: 0 });
    const keys = FIXTURE_KEYS.map((key) => `batches/${savedFileName(`${batchId}/${key}`)}`).sort();
    expect((await objectKeys(bucket)).sort()).toEqual(keys);
    for (const key of keys) expect(await objectBody(bucket, key)).toEqual(SAMPLE);
    for (const key of FIXTURE_KEYS) expect(run.stdout).toContain(`s3://${bucket}/batches/${savedFileName(`${batchId}/${key}`)}`);
  }, 300_000);

  test('--save-to outside the save directory is refused before anything starts', async () => {
    for (const target of ['/etc/videos', '../outside', 's3://Not_A_Bucket/x']) {
      const run = await generate(nextId('cli-save-refused'), target);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/save\.to: /);
    }
  });
});
