/**
 * The S3 client of the save activity. Everything about where and as whom comes from the standard
 * AWS chain (AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID…, AWS_PROFILE,
 * ~/.aws, instance roles): never from workflow input and never from our settings. The one setting
 * of ours is path-style addressing, which S3-compatible servers on a plain host:port need.
 */
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (RIVYA_S3_FORCE_PATH_STYLE). */
  forcePathStyle?: boolean;
}

/** A connection that takes longer than this to open, or a request silent this long, is a transient failure. */
const CONNECT_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 120_000;

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle ?? false,
    // The activity's own retries (Temporal's policy) restart a failed save; the SDK retries single calls.
    maxAttempts: 3,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
}

/** Whether the bucket exists and these credentials may see it: resolves, or throws the SDK's error (404, 403…). */
export async function headBucket(client: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
}
