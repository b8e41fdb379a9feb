/**
 * The S3 sink against a real S3-compatible server (moto, started on loopback by tools/testing/s3-server.ts;
 * the AWS SDK is not mocked): the saved object and its metadata, no second upload after a retry,
 * clean restarts after a download broken mid-stream (single PUT and multipart), and refusals that
 * leave nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { assetPath } from '../../src/internal/package-root';
import { createS3Client, savedFileName, saveToS3, VideoRejectedError, type SaveRequest } from '../../src/storage';
import { startS3TestServer, type S3TestServer } from '../../tools/testing/s3-server';

jest.setTimeout(180_000);

let server: S3TestServer;
let s3: S3Client;
/** Reads objects back for the assertions. Its own client: moto sends a multipart object's CRC32 as if it were the
 * whole object's, which the SDK's response validation rejects; the test checks every byte by SHA-256 instead. */
let reader: S3Client;
const savedEnv = { ...process.env };

beforeAll(async () => {
  const started = Date.now();
  server = await startS3TestServer({ log: (line) => console.log(line) });
  console.log(`moto ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${server.endpoint}`);
  // The client reads the AWS chain, as on a worker: endpoint, region and credentials from the environment.
  Object.assign(process.env, server.env);
  s3 = createS3Client({ forcePathStyle: true });
  reader = new S3Client({ forcePathStyle: true, responseChecksumValidation: 'WHEN_REQUIRED' });
});

afterAll(async () => {
  s3?.destroy();
  reader?.destroy();
  process.env = savedEnv;
  await server?.stop();
});

const SAMPLE = readFileSync(assetPath('sample-video.mp4'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An MP4-signed body of `size` bytes: the sample's first 32 bytes (ftyp box), then random bytes. */
function bigVideo(size: number): Buffer {
  return Buffer.concat([SAMPLE.subarray(0, 32), randomBytes(size - 32)]);
}

/** A source that yields `bytes` in chunks and, if told, fails after `failAfter` bytes, like a connection dropped mid-body. */
function source(bytes: Buffer, options: { failAfter?: number; chunk?: number } = {}): Readable {
  const chunk = options.chunk ?? 256 * 1024;
  async function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      if (options.failAfter !== undefined && offset >= options.failAfter) throw new Error('socket hang up (test: connection dropped)');
      yield bytes.subarray(offset, offset + chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Readable.from(chunks());
}

let bucketCounter = 0;
async function newBucket(): Promise<string> {
  const bucket = `rivya-test-${process.pid}-${(bucketCounter += 1)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function request(open: () => Readable, attempt = 1, overrides: Partial<SaveRequest> = {}): SaveRequest & { opens: () => number } {
  let opens = 0;
  return {
    fileName: savedFileName('wf/with spaces & ünïcode'),
    attempt,
    maxBytes: 64 * 1024 * 1024,
    open: async () => {
      opens += 1;
      return open();
    },
    opens: () => opens,
    ...overrides,
  };
}

async function keys(bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

async function pendingUploads(bucket: string): Promise<number> {
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (listed.Uploads ?? []).length;
}

async function body(bucket: string, key: string): Promise<Buffer> {
  const object = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

test('saves the video at <prefix>/<encoded workflow id>.mp4 with its sha256 in x-amz-meta-sha256', async () => {
  const bucket = await newBucket();
  const saving = request(() => source(SAMPLE));
  const saved = await saveToS3(s3, { bucket, prefix: 'videos/2026' }, 'task_1', saving);

  const key = `videos/2026/${savedFileName('wf/with spaces & ünïcode')}`;
  expect(key).toBe('videos/2026/wf%2Fwith%20spaces%20%26%20%C3%BCn%C3%AFcode.mp4');
  expect(saved).toEqual({
    location: `s3://${bucket}/${key}`,
    bytes: SAMPLE.length,
    contentType: 'video/mp4',
    sha256: sha256(SAMPLE),
    reused: false,
  });
  expect(await keys(bucket)).toEqual([key]); // the partial object is gone
  expect(await body(bucket, key)).toEqual(SAMPLE);
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  expect(head.Metadata?.sha256).toBe(sha256(SAMPLE));
  expect(head.ContentType).toBe('video/mp4');
});

test('a retry that finds the complete object of the same task does not download or upload again', async () => {
  const bucket = await newBucket();
  const first = await saveToS3(
    s3,
    { bucket, prefix: 'p' },
    'task_2',
    request(() => source(SAMPLE)),
  );
  const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `p/${savedFileName('wf/with spaces & ünïcode')}` }));

  const retry = request(() => source(SAMPLE), 2);
  const second = await saveToS3(s3, { bucket, prefix: 'p' }, 'task_2', retry);
  expect(retry.opens()).toBe(0);
  expect(second).toEqual({ ...first, reused: true });
  const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `p/${savedFileName('wf/with spaces & ünïcode')}` }));
  // Same object, not rewritten: same ETag and modification time.
  expect(after.ETag).toBe(before.ETag);
  expect(after.LastModified?.getTime()).toBe(before.LastModified?.getTime());
  expect(await keys(bucket)).toHaveLength(1);
});

test("an object at the key without this task's checksum metadata is replaced, not trusted", async () => {
  const bucket = await newBucket();
  const key = savedFileName('wf/with spaces & ünïcode');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('stale bytes from somewhere else') }));
  const saving = request(() => source(SAMPLE));
  const saved = await saveToS3(s3, { bucket, prefix: '' }, 'task_3', saving);
  expect(saving.opens()).toBe(1);
  expect(saved.reused).toBe(false);
  expect(await body(bucket, key)).toEqual(SAMPLE);
});

test('a download broken mid-stream leaves nothing; the retry restarts cleanly and saves one complete object', async () => {
  const bucket = await newBucket();
  await expect(
    saveToS3(
      s3,
      { bucket, prefix: 'x' },
      'task_4',
      request(() => source(SAMPLE, { failAfter: 1024, chunk: 1024 })),
    ),
  ).rejects.toThrow(/connection dropped/);
  expect(await keys(bucket)).toEqual([]);
  expect(await pendingUploads(bucket)).toBe(0);

  const saved = await saveToS3(
    s3,
    { bucket, prefix: 'x' },
    'task_4',
    request(() => source(SAMPLE), 2),
  );
  expect(saved.sha256).toBe(sha256(SAMPLE));
  expect(await keys(bucket)).toEqual([`x/${savedFileName('wf/with spaces & ünïcode')}`]);
});

test('multipart: a 20 MiB video broken after 12 MiB aborts its multipart upload; the retry uploads it whole', async () => {
  const bucket = await newBucket();
  const video = bigVideo(20 * 1024 * 1024);
  const progress: number[] = [];
  await expect(
    saveToS3(
      s3,
      { bucket, prefix: 'big' },
      'task_5',
      request(() => source(video, { failAfter: 12 * 1024 * 1024 }), 1, { onProgress: (b) => progress.push(b) }),
    ),
  ).rejects.toThrow(/connection dropped/);
  expect(progress.at(-1)).toBeGreaterThanOrEqual(12 * 1024 * 1024);
  expect(await pendingUploads(bucket)).toBe(0);
  expect(await keys(bucket)).toEqual([]);

  const saved = await saveToS3(
    s3,
    { bucket, prefix: 'big' },
    'task_5',
    request(() => source(video), 2),
  );
  expect(saved).toMatchObject({ bytes: video.length, sha256: sha256(video), contentType: 'video/mp4' });
  const key = `big/${savedFileName('wf/with spaces & ünïcode')}`;
  expect(await keys(bucket)).toEqual([key]);
  expect(sha256(await body(bucket, key))).toBe(sha256(video));
});

test("a killed attempt's unfinished multipart upload and finished partial object are removed by the next attempt", async () => {
  const bucket = await newBucket();
  const key = `k/${savedFileName('wf/with spaces & ünïcode')}`;
  // What a SIGKILLed attempt 1 leaves: an open multipart upload under its partial key (nothing aborts it).
  const { CreateMultipartUploadCommand, UploadPartCommand } = await import('@aws-sdk/client-s3');
  const open = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${key}.partial-1` }));
  await s3.send(
    new UploadPartCommand({
      Bucket: bucket,
      Key: `${key}.partial-1`,
      UploadId: open.UploadId,
      PartNumber: 1,
      Body: bigVideo(5 * 1024 * 1024),
    }),
  );
  // ...and attempt 2, killed between its upload and its copy: a complete partial object.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key}.partial-2`, Body: SAMPLE }));
  expect(await pendingUploads(bucket)).toBe(1);

  await saveToS3(
    s3,
    { bucket, prefix: 'k' },
    'task_6',
    request(() => source(SAMPLE), 3),
  );
  expect(await pendingUploads(bucket)).toBe(0);
  expect(await keys(bucket)).toEqual([key]);
});

test('bytes that are not a video, or over the size cap, are refused mid-stream and leave nothing', async () => {
  const bucket = await newBucket();
  const html = Buffer.from('<!doctype html><html><body>an error page, not a video</body></html>');
  const refusal = saveToS3(
    s3,
    { bucket, prefix: 'r' },
    'task_7',
    request(() => source(html)),
  );
  await expect(refusal).rejects.toThrow(VideoRejectedError);
  await expect(refusal).rejects.toThrow(/not an MP4\/QuickTime video/);

  const video = bigVideo(12 * 1024 * 1024);
  const capped = request(() => source(video), 1, { maxBytes: 10 * 1024 * 1024 });
  await expect(saveToS3(s3, { bucket, prefix: 'r' }, 'task_7', capped)).rejects.toThrow(/over the 10485760-byte limit/);
  expect(await keys(bucket)).toEqual([]);
  expect(await pendingUploads(bucket)).toBe(0);
});
