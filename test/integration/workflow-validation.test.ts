/**
 * Bad input never costs anything: each invalid input and each hostile reference ends in a typed
 * ValidationFailed with zero paid calls (and, for local checks, zero uploads).
 */
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  executeSora2Generation,
  FailureTypes,
  Sora2InputError,
  SORA2_WORKFLOW_TYPE,
  startSora2Generation,
  type GenerationFailureDetails,
  type Sora2GenerationInput,
} from '../../src';
import { assetPath } from '../../src/internal/package-root';
import { MAX_REFERENCE_BYTES } from '../../src/contract/models';
import { FAST_POLLING, startTestStack, type TestStack } from '../helpers/stack';
import { startMediaServer, type MediaServer } from '../helpers/media-server';
import { mediaBytes } from '../helpers/media';
import { nextId } from '../helpers/ids';

let stack: TestStack;
let media: MediaServer;

beforeAll(async () => {
  media = await startMediaServer();
  stack = await startTestStack({
    plugin: { referenceUrlPolicy: { allowedHosts: ['localhost'], ca: media.ca, timeoutMs: 1_500 } },
  });
});
afterAll(async () => {
  await stack?.stop();
  await media?.close();
});
beforeEach(() => stack.simulator.reset());

/** Starts the workflow directly (no client-side check) and returns its typed failure. */
async function failureOf(input: unknown): Promise<{ failure: ApplicationFailure; details: GenerationFailureDetails }> {
  const handle = await stack.env.client.workflow.start(SORA2_WORKFLOW_TYPE, {
    args: [input],
    workflowId: nextId('invalid'),
    taskQueue: stack.taskQueue,
  });
  try {
    await handle.result();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(true);
    return { failure, details: failure.details![0] as GenerationFailureDetails };
  }
  throw new Error('the workflow should have failed');
}

function expectNothingPaid(): void {
  const { counters, tasks } = stack.simulator.stats();
  expect(counters.createGeneration).toBeUndefined();
  expect(tasks).toHaveLength(0);
}

const valid: Sora2GenerationInput = { prompt: '[sim:succeed] a quiet harbour', polling: FAST_POLLING };

describe('invalid input fails at once, naming every bad field', () => {
  test.each<[string, unknown, string[]]>([
    ['empty prompt', { prompt: '   ' }, ['prompt']],
    ['prompt of 10001 characters', { prompt: 'x'.repeat(10_001) }, ['prompt']],
    ['unknown model', { prompt: 'p', model: 'sora-3' }, ['model']],
    ['params off the list', { prompt: 'p', params: { n_frames: '20', fps: '30' } }, ['params.n_frames', 'params']],
    ['size on sora-2', { prompt: 'p', params: { size: 'high' } }, ['params.size']],
    ['two references', { prompt: 'p', reference: [{ path: 'a.png' }, { path: 'b.png' }] }, ['reference']],
    ['reference bytes', { prompt: 'p', reference: { data: 'iVBORw0KGgo=' } }, ['reference']],
    ['non-https URL', { prompt: 'p', reference: { url: 'http://example.com/a.png' } }, ['reference.url']],
    ['min interval above max', { prompt: 'p', polling: { minIntervalMs: 10_000, maxIntervalMs: 1_000 } }, ['polling.minIntervalMs']],
    ['several problems at once', { prompt: '', model: 'x', params: { n_frames: 9 } }, ['prompt', 'model', 'params.n_frames']],
  ])('%s', async (_name, input, paths) => {
    const { failure, details } = await failureOf(input);
    expect(failure.type).toBe(FailureTypes.ValidationFailed);
    expect(details.reason).toBe('invalid-input');
    const reported = details.issues!.map((issue) => issue.path);
    for (const path of paths) expect(reported).toContain(path);
    expect(stack.simulator.stats().counters).toEqual({});
  });

  test('the client helper refuses before starting anything', async () => {
    const workflowId = nextId('helper-invalid');
    const error = await startSora2Generation(stack.env.client, { prompt: '' }, { workflowId, taskQueue: stack.taskQueue }).catch(
      (err) => err,
    );
    expect(error).toBeInstanceOf(Sora2InputError);
    expect((error as Sora2InputError).issues.map((issue) => issue.path)).toEqual(['prompt']);
    await expect(stack.env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('hostile local references are refused before upload', () => {
  const write = (name: string, bytes: Buffer | string) => writeFileSync(join(stack.referenceDir, name), bytes);
  const png = () => readFileSync(assetPath('sample-reference.png'));

  test.each<[string, () => string]>([
    ['HTML disguised as .png', () => (write('page.png', '<html><body>x</body></html>'), 'page.png')],
    ['SVG disguised as .jpg', () => (write('vector.jpg', '<svg xmlns="http://www.w3.org/2000/svg"/>'), 'vector.jpg')],
    ['zero bytes', () => (write('empty.png', Buffer.alloc(0)), 'empty.png')],
    ['truncated PNG', () => (write('cut.png', png().subarray(0, 600)), 'cut.png')],
    ['a JPEG signature with no end', () => (write('cut.jpg', mediaBytes('jpeg', 5_000)), 'cut.jpg')],
    ['10 MB + 1 byte', () => (write('huge.png', Buffer.concat([png(), Buffer.alloc(MAX_REFERENCE_BYTES + 1 - png().length)])), 'huge.png')],
    ['path traversal', () => '../../etc/passwd'],
    ['absolute path outside', () => '/etc/hostname'],
    [
      'symlink out of the directory',
      () => ((name) => (symlinkSync('/etc/hostname', join(stack.referenceDir, name)), name))(`${nextId('link')}.png`),
    ],
    ['missing file', () => 'nope.png'],
  ])('%s', async (_name, prepare) => {
    const { failure, details } = await failureOf({ ...valid, reference: { path: prepare() } });
    expect(failure.type).toBe(FailureTypes.ValidationFailed);
    expect(details.reason).toBe('reference-rejected');
    expect(details.remoteError?.code).toBe('ReferenceRejected');
    expect(stack.simulator.stats().counters.uploadFile).toBeUndefined();
    expectNothingPaid();
  });
});

describe('reference URLs', () => {
  test('a public-style https URL is downloaded (through a redirect), checked and uploaded', async () => {
    const result = await executeSora2Generation(
      stack.env.client,
      { ...valid, reference: { url: `${media.url}/redirect-ok` } },
      {
        workflowId: nextId('url-ok'),
        taskQueue: stack.taskQueue,
      },
    );
    expect(result.reference).toMatchObject({
      mimeType: 'image/png',
      name: 'ref.png',
      sizeBytes: readFileSync(assetPath('sample-reference.png')).length,
    });
  });

  test.each<[string, () => string]>([
    ['loopback address', () => media.url.replace('localhost', '127.0.0.1') + '/ref.png'],
    ['cloud metadata address', () => 'https://169.254.169.254/latest/meta-data/'],
    ['private address', () => 'https://10.0.0.7/a.png'],
    ['IPv6 loopback', () => 'https://[::1]/a.png'],
    ['a redirect to a loopback address', () => `${media.url}/redirect-to-loopback-ip`],
    ['a redirect to the metadata address', () => `${media.url}/redirect-to-metadata`],
    ['HTML served as image/png', () => `${media.url}/page.png`],
    ['10 MB + 1 byte streamed without a length', () => `${media.url}/huge.png`],
    // A slow host is retried now (it may recover), so it no longer ends at once: its
    // classification is asserted on the activity in test/integration/client-hardening.test.ts.
    ['a 404', () => `${media.url}/missing.png`],
  ])('%s is refused with nothing paid', async (_name, url) => {
    const { failure, details } = await failureOf({ ...valid, reference: { url: url() } });
    expect(failure.type).toBe(FailureTypes.ValidationFailed);
    expect(details.reason).toBe('reference-rejected');
    expect(stack.simulator.stats().counters.uploadFile).toBeUndefined();
    expectNothingPaid();
  });
});

test('a create the API refuses (insufficient credits) is GenerationRejected, with no task and nothing reserved', async () => {
  copyFileSync(assetPath('sample-reference.png'), join(stack.referenceDir, 'fine.png'));
  stack.simulator.reset({ creditsByAccount: { acct_primary: 1 } });
  const { failure, details } = await failureOf({ ...valid, reference: { path: 'fine.png' } });
  expect(failure.type).toBe(FailureTypes.GenerationRejected);
  expect(details.remoteError?.code).toBe('insufficient_credits');
  expect(stack.simulator.stats().tasks).toHaveLength(0);
  expect(stack.simulator.stats().wallets.acct_primary).toBe(1);
});
