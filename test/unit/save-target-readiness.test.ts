/**
 * The check before paying (issue #27, item 1), without Temporal or a network: which S3 answers
 * refuse and which only warn, the directory probe, the worker's start-up line, and the typed
 * failure the workflow makes of a refusal.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import type { S3Client } from '@aws-sdk/client-s3';
import { checkSaveTarget, classifyS3CheckError } from '../../src/storage/check-save-target';
import { saveConfigurationWarning } from '../../src/storage/save-config-warning';
import { classifyActivityFailure, statusBeforeTaskOf } from '../../workflows/generation/failure-classification';

const awsError = (name: string, status?: number, message = name) =>
  Object.assign(new Error(message), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });

describe('classifyS3CheckError', () => {
  test.each([
    ['HeadBucket 404 (no body, so no code)', awsError('NotFound', 404), 'no-bucket'],
    ['NoSuchBucket without a status', awsError('NoSuchBucket'), 'no-bucket'],
    ['403: write-only credentials may still put objects', awsError('Forbidden', 403), 'forbidden'],
    [
      'no credentials in the chain',
      awsError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'),
      'not-configured',
    ],
    ['no region', new Error('Region is missing'), 'not-configured'],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'unknown'],
    ['the check timed out', awsError('TimeoutError', undefined, 'The operation was aborted due to timeout'), 'unknown'],
    ['a 500', awsError('InternalError', 500), 'unknown'],
    ['a 301 (another region)', awsError('PermanentRedirect', 301), 'unknown'],
  ])('%s', (_label, err, outcome) => {
    expect(classifyS3CheckError(err)).toBe(outcome);
  });
});

/** A client whose config and HeadBucket answer as told: what the check does with each answer. */
function fakeS3(answer: { region?: Error; credentials?: Error; head?: Error }): () => S3Client {
  const client = {
    config: {
      region: async () => {
        if (answer.region) throw answer.region;
        return 'us-east-1';
      },
      credentials: async () => {
        if (answer.credentials) throw answer.credentials;
        return { accessKeyId: 'a', secretAccessKey: 'b' };
      },
    },
    send: async () => {
      if (answer.head) throw answer.head;
      return {};
    },
  };
  return () => client as unknown as S3Client;
}

describe('checkSaveTarget, S3', () => {
  const check = (answer: Parameters<typeof fakeS3>[0]) => checkSaveTarget('s3://my-bucket/clips', { s3Client: fakeS3(answer) });

  test('an existing bucket: usable, nothing to say', async () => {
    expect(await check({})).toEqual({ refusal: null, warnings: [] });
  });
  test('no region, no credentials, no bucket: refused, naming the target', async () => {
    expect((await check({ region: new Error('Region is missing') })).refusal).toBe(
      's3://my-bucket/clips: no AWS region or credentials on the worker (Region is missing)',
    );
    expect((await check({ credentials: awsError('CredentialsProviderError') })).refusal).toMatch(/no AWS region or credentials/);
    expect((await check({ head: awsError('NotFound', 404) })).refusal).toBe('s3://my-bucket/clips: bucket my-bucket does not exist');
  });
  test('a 403 or an unreachable server: a warning, the run goes on', async () => {
    const forbidden = await check({ head: awsError('Forbidden', 403) });
    expect(forbidden.refusal).toBeNull();
    expect(forbidden.warnings).toEqual([expect.stringMatching(/HeadBucket was denied \(403\); saving anyway/)]);
    const unreachable = await check({ head: Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }) });
    expect(unreachable.refusal).toBeNull();
    expect(unreachable.warnings).toEqual([expect.stringMatching(/could not be checked .*ECONNREFUSED.*saving anyway/)]);
  });
});

describe('checkSaveTarget, directories', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
  const newRoot = () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'rivya-readiness-')));
    roots.push(root);
    return root;
  };
  const unusedS3 = () => {
    throw new Error('no S3 for a directory');
  };

  test('no save root: refused', async () => {
    expect((await checkSaveTarget('videos', { s3Client: unusedS3 })).refusal).toBe(
      'videos: directory targets need RIVYA_SAVE_DIR on the worker',
    );
  });
  test('a writable target is created, probed, and left without the probe file', async () => {
    const root = newRoot();
    expect(await checkSaveTarget('a/b', { saveDirectory: root, s3Client: unusedS3 })).toEqual({ refusal: null, warnings: [] });
    expect(readdirSync(join(root, 'a', 'b'))).toEqual([]);
  });
  test('a file in the way, or a root that is gone: refused', async () => {
    const root = newRoot();
    writeFileSync(join(root, 'blocked'), 'x');
    expect((await checkSaveTarget('blocked/videos', { saveDirectory: root, s3Client: unusedS3 })).refusal).toMatch(
      /blocked\/videos is not a directory/,
    );
    expect((await checkSaveTarget('videos', { saveDirectory: join(root, 'gone'), s3Client: unusedS3 })).refusal).toMatch(
      /videos: not writable by the worker \(ENOENT/,
    );
  });
  test('an unparsable target is refused as such', async () => {
    expect((await checkSaveTarget('../outside', { saveDirectory: newRoot(), s3Client: unusedS3 })).refusal).toMatch(/segments/);
  });
});

describe('saveConfigurationWarning (worker start)', () => {
  const none = () => false;
  test('no save root and no region: one line naming both', () => {
    expect(saveConfigurationWarning({ env: {}, exists: none })).toBe(
      'save.to targets this worker will refuse before paying: directories (RIVYA_SAVE_DIR is not set); s3:// (no AWS region: set AWS_REGION)',
    );
  });
  test('a region from the environment, a config file, or a ready client: nothing about S3', () => {
    expect(saveConfigurationWarning({ saveDirectory: '/srv', env: { AWS_REGION: 'eu-west-1' }, exists: none })).toBeNull();
    expect(
      saveConfigurationWarning({ saveDirectory: '/srv', env: { AWS_CONFIG_FILE: '/etc/aws' }, exists: (p) => p === '/etc/aws' }),
    ).toBeNull();
    expect(saveConfigurationWarning({ saveDirectory: '/srv', env: {}, s3ClientGiven: true, exists: none })).toBeNull();
  });
});

describe('the workflow’s failure for a refused target', () => {
  test('ValidationFailed, reason save-target-rejected, with its own status before the task', () => {
    const refusal = ApplicationFailure.create({
      type: 'SaveTargetUnusable',
      nonRetryable: true,
      message: 'videos: directory targets need RIVYA_SAVE_DIR on the worker',
    });
    const err = new ActivityFailure('activity failed', 'rivyaCheckSaveTarget', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', refusal);
    expect(classifyActivityFailure(err)).toEqual({
      reason: 'save-target-rejected',
      type: 'ValidationFailed',
      message: 'save target refused, nothing paid: videos: directory targets need RIVYA_SAVE_DIR on the worker',
      remoteError: { code: 'SaveTargetUnusable', message: 'videos: directory targets need RIVYA_SAVE_DIR on the worker' },
    });
    expect(statusBeforeTaskOf('save-target-rejected', 'ValidationFailed')).toBe('save_target_rejected');
  });
});
