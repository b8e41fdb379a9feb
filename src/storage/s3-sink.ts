/**
 * Saves a video to S3-compatible storage at `<prefix>/<file name>`. The bytes stream from the
 * download through the inspector into a multipart upload (lib-storage: at most queueSize × partSize
 * in memory) under a partial key; once complete, a server-side copy puts the object at its final key
 * with its SHA-256 in `x-amz-meta-sha256` (metadata is fixed when an upload starts, before the hash
 * is known, hence the copy), and the partial object is deleted. So an object at the final key is
 * always complete and says what it holds: a retry that finds it for the same task does not upload again.
 */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SaveRequest, SinkResult } from './saved';
import { VideoInspector, VIDEO_CONTENT_TYPES, type VideoContentType } from './video-inspector';

/** Parts of 8 MiB, two in flight: at most 16 MiB of a video in memory at once. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** The largest object a single CopyObject can write (S3's limit); the size cap stays below it. */
export const MAX_S3_COPY_BYTES = 5 * 1024 * 1024 * 1024;

/** User metadata on the final object (sent as x-amz-meta-*; S3 returns the names lowercased). */
const META_SHA256 = 'sha256';
const META_TASK_ID = 'rivya-task-id';

export interface S3Location {
  bucket: string;
  /** No leading or trailing slash; '' for the bucket's top level. */
  prefix: string;
}

export function objectKeyOf(location: S3Location, fileName: string): string {
  return location.prefix ? `${location.prefix}/${fileName}` : fileName;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** The complete object an earlier attempt saved for this task, if there is one. */
async function findComplete(client: S3Client, bucket: string, key: string, taskId: string, signal?: AbortSignal) {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const sha256 = head.Metadata?.[META_SHA256];
    const contentType = head.ContentType as VideoContentType | undefined;
    const complete =
      sha256 !== undefined &&
      /^[0-9a-f]{64}$/.test(sha256) &&
      head.Metadata?.[META_TASK_ID] === encodeURIComponent(taskId) &&
      contentType !== undefined &&
      VIDEO_CONTENT_TYPES.includes(contentType) &&
      head.ContentLength !== undefined;
    // An object at this key without our metadata (another task's, or someone else's) is replaced.
    return complete ? { sha256, contentType, bytes: head.ContentLength! } : undefined;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/**
 * Removes what earlier attempts left under the partial prefix: unfinished multipart uploads (a
 * killed worker's) and a finished partial object whose copy never happened. One listing page each:
 * one generation has at most a few attempts.
 */
async function removePartials(client: S3Client, bucket: string, partialPrefix: string, signal?: AbortSignal): Promise<void> {
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: partialPrefix }), { abortSignal: signal });
  for (const upload of uploads.Uploads ?? []) {
    if (!upload.Key?.startsWith(partialPrefix) || !upload.UploadId) continue;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }), {
      abortSignal: signal,
    });
  }
  const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: partialPrefix }), { abortSignal: signal });
  for (const object of objects.Contents ?? []) {
    if (object.Key?.startsWith(partialPrefix))
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }), { abortSignal: signal });
  }
}

/** CopySource is `bucket/key`, URL-encoded (the key's own `%` escapes included), slashes kept. */
function copySourceOf(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function uploadPartial(client: S3Client, bucket: string, key: string, request: SaveRequest) {
  const inspector = new VideoInspector(request.maxBytes, request.onProgress);
  const body = new PassThrough();
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    // A failed upload aborts its multipart upload: no orphaned parts left to pay for.
    leavePartsOnError: false,
  });
  const source = await request.open();
  // A failed download (or the caller's abort) destroys `body`: the upload's reader fails, lib-storage
  // aborts its multipart upload and only then settles done(). Upload.abort() is not used: it settles
  // done() at once while the multipart upload is still being aborted in the background.
  const streaming = pipeline(source, inspector, body, { signal: request.signal });
  // The side that fails first is the cause, and the one reported: the other only sees the teardown.
  const failures: unknown[] = [];
  await Promise.allSettled([
    streaming.catch((err: unknown) => void failures.push(err)),
    upload.done().catch((err: unknown) => {
      failures.push(err);
      body.destroy(err as Error); // a refused upload stops the download
    }),
  ]);
  if (failures.length > 0) throw failures[0];
  return inspector.result();
}

export async function saveToS3(client: S3Client, location: S3Location, taskId: string, request: SaveRequest): Promise<SinkResult> {
  const { bucket } = location;
  const key = objectKeyOf(location, request.fileName);
  const url = `s3://${bucket}/${key}`;
  const partialPrefix = `${key}.partial-`;
  const { signal } = request;

  await removePartials(client, bucket, partialPrefix, signal);
  const found = await findComplete(client, bucket, key, taskId, signal);
  if (found) return { ...found, location: url, reused: true };

  const partialKey = `${partialPrefix}${request.attempt}`;
  const video = await uploadPartial(client, bucket, partialKey, request);
  await client.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: key,
      CopySource: copySourceOf(bucket, partialKey),
      MetadataDirective: 'REPLACE',
      ContentType: video.contentType,
      Metadata: { [META_SHA256]: video.sha256, [META_TASK_ID]: encodeURIComponent(taskId) },
    }),
    { abortSignal: signal },
  );
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: partialKey }), { abortSignal: signal });
  // What the storage now holds, not what we think we sent.
  const stored = await findComplete(client, bucket, key, taskId, signal);
  if (!stored || stored.sha256 !== video.sha256 || stored.bytes !== video.bytes) {
    throw new Error(`${url}: the stored object does not match what was uploaded`);
  }
  return { ...video, location: url, reused: false };
}
