/**
 * Whether this worker can save to a `save.to` target, asked before anything is paid for: the
 * generation's validating step (activities/check-save-target.ts) and the dry run call this one
 * function. A definite problem (no save root, a directory it cannot write, no AWS region or
 * credentials, no such bucket) is a refusal; an ambiguous answer (a 403 from HeadBucket for
 * write-only credentials, the storage unreachable right now) is a warning, and the run goes on.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSaveTarget, parseSaveTarget, type SaveTarget } from '../contract/save-target';
import { confinedDirectory } from './directory-sink';
import { SaveTargetRejectedError } from './errors';
import { loadS3Storage } from './s3-loader';

export interface SaveTargetReadiness {
  /** Why no save to this target can succeed on this worker; null when it may. */
  refusal: string | null;
  /** What could not be confirmed (the run goes on): for the worker's log. */
  warnings: string[];
}

export interface SaveTargetCheckOptions {
  /** The worker's save root (RIVYA_SAVE_DIR); directory targets are refused without it. */
  saveDirectory?: string;
  /** The client the save would use (made from the AWS chain on first use). */
  s3Client: () => S3Client;
  /** How long HeadBucket may take before the answer counts as unknown. Default 15 s. */
  s3TimeoutMs?: number;
}

const S3_CHECK_TIMEOUT_MS = 15_000;

const refused = (refusal: string): SaveTargetReadiness => ({ refusal, warnings: [] });
const warned = (warning: string): SaveTargetReadiness => ({ refusal: null, warnings: [warning] });
const usable: SaveTargetReadiness = { refusal: null, warnings: [] };

export async function checkSaveTarget(to: string, options: SaveTargetCheckOptions): Promise<SaveTargetReadiness> {
  const parsed = parseSaveTarget(to);
  if (!parsed.ok) return refused(`${to}: ${parsed.message}`);
  return parsed.target.kind === 'directory' ? checkDirectory(parsed.target, options.saveDirectory) : checkS3(parsed.target, options);
}

/** Error codes that say the directory cannot be made or written, whatever a retry does. */
const UNWRITABLE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT', 'ELOOP']);

async function checkDirectory(target: Extract<SaveTarget, { kind: 'directory' }>, root: string | undefined): Promise<SaveTargetReadiness> {
  const shown = formatSaveTarget(target);
  if (root === undefined) return refused(`${shown}: directory targets need RIVYA_SAVE_DIR on the worker`);
  try {
    // The same walk as the save (created below the root, no symbolic link), then a probe file.
    const directory = await confinedDirectory(await realpath(root), target.path);
    const probe = join(directory, `.rivya-save-probe-${randomBytes(6).toString('hex')}`);
    await writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await rm(probe, { force: true });
    return usable;
  } catch (err) {
    if (err instanceof SaveTargetRejectedError) return refused(err.message);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = `${code || 'error'}: ${(err as Error).message}`;
    if (UNWRITABLE_CODES.has(code)) return refused(`${shown}: not writable by the worker (${why})`);
    return warned(`${shown}: could not be checked (${why})`);
  }
}

/** What a failed S3 call means for a save that has not started yet. */
export type S3CheckOutcome = 'no-bucket' | 'not-configured' | 'forbidden' | 'unknown';

/**
 * Pure: the outcome of an AWS SDK error from the region/credentials lookup or HeadBucket. Only a
 * 404 (HeadBucket has no body, so no error code) or a missing region/credentials is definite; a 403
 * is what write-only credentials get for HeadBucket, and anything else may pass.
 */
export function classifyS3CheckError(err: unknown): S3CheckOutcome {
  const error = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = error?.$metadata?.httpStatusCode;
  if (status === 404 || error?.name === 'NotFound' || error?.name === 'NoSuchBucket') return 'no-bucket';
  if (status === 403) return 'forbidden';
  if (error?.name === 'CredentialsProviderError' || /Region is missing/i.test(error?.message ?? '')) return 'not-configured';
  return 'unknown';
}

async function checkS3(target: Extract<SaveTarget, { kind: 's3' }>, options: SaveTargetCheckOptions): Promise<SaveTargetReadiness> {
  const shown = formatSaveTarget(target);
  const messageOf = (err: unknown) => (err as Error)?.message ?? String(err);
  const describe = (err: unknown) => `${(err as Error)?.name ?? 'Error'}: ${messageOf(err)}`;
  let client: S3Client;
  try {
    client = options.s3Client();
    // The SDK's default chain (environment, profile, instance role), as the save would resolve them.
    await client.config.region();
    await client.config.credentials();
  } catch (err) {
    if (classifyS3CheckError(err) === 'not-configured')
      return refused(`${shown}: no AWS region or credentials on the worker (${messageOf(err)})`);
    return warned(`${shown}: the AWS configuration could not be checked (${describe(err)})`);
  }
  try {
    await loadS3Storage().headBucket(client, target.bucket, AbortSignal.timeout(options.s3TimeoutMs ?? S3_CHECK_TIMEOUT_MS));
    return usable;
  } catch (err) {
    switch (classifyS3CheckError(err)) {
      case 'no-bucket':
        return refused(`${shown}: bucket ${target.bucket} does not exist`);
      case 'not-configured':
        return refused(`${shown}: no AWS region or credentials on the worker (${messageOf(err)})`);
      case 'forbidden':
        return warned(`${shown}: HeadBucket was denied (403); saving anyway, as write-only credentials may still put objects`);
      default:
        return warned(`${shown}: bucket ${target.bucket} could not be checked (${describe(err)}); saving anyway`);
    }
  }
}
