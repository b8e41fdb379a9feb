/**
 * rivyaUploadReference in MockActivityEnvironment against the simulator's Files API on loopback:
 * a reference is checked on the worker before a byte goes to Rivya (a wrong magic byte, a path
 * outside the reference directory, no directory configured: non-retryable ReferenceRejected, no
 * upload), and an accepted one comes back as ids and URLs, never bytes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSora2Activities } from '../../activities';
import { toClientRequestId } from '../../src/contract/models';
import { REFERENCE_REJECTED } from '../../workflows/common/failures';
import { activityFailureOf, runActivity, useActivitySimulator } from '../helpers/activity-env';
import { makePng } from '../helpers/images';
import { tempDir } from '../helpers/media';

const sim = useActivitySimulator();
let root: string;
let referenceDirectory: string;

beforeAll(() => {
  root = tempDir('upload-ref-unit-');
  referenceDirectory = join(root, 'refs');
  mkdirSync(referenceDirectory);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const uploads = () => sim.simulator.stats().counters.uploadFile?.requests ?? 0;

/** `directory` null: a worker with no reference directory configured. */
function upload(path: string, directory: string | null = referenceDirectory) {
  const { rivyaUploadReference } = createSora2Activities(sim.client(), { referenceDirectory: directory ?? undefined });
  return runActivity(rivyaUploadReference, [{ reference: { path }, model: 'sora-2', workflowId: 'wf-ref' }]);
}

test('a PNG inside the reference directory is uploaded: ids and URLs come back, the workflow id as client_request_id', async () => {
  const png = makePng(64, 48);
  writeFileSync(join(referenceDirectory, 'ok.png'), png);
  const uploaded = await upload('ok.png');
  expect(uploaded).toMatchObject({ mimeType: 'image/png', sizeBytes: png.length, name: 'ok.png' });
  expect(uploaded.fileId).toBeTruthy();
  expect(uploaded.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  // Ids and URLs only: nothing in the answer (it goes into history) is the image itself.
  expect(Object.keys(uploaded).sort()).toEqual(['expiresAt', 'fileId', 'mimeType', 'name', 'sizeBytes', 'url']);
  expect(uploads()).toBe(1);
  const stored = [...sim.simulator.store.files.values()].find((file) => file.id === uploaded.fileId);
  expect(stored?.clientRequestId).toBe(toClientRequestId('wf-ref'));
});

test('a wrong magic byte is refused before anything is uploaded, for good', async () => {
  const png = makePng(64, 48);
  png[1] = 0x51; // "\x89QNG": not a PNG signature any more
  writeFileSync(join(referenceDirectory, 'bad-magic.png'), png);
  const failure = await activityFailureOf(upload('bad-magic.png'));
  expect(failure.type).toBe(REFERENCE_REJECTED);
  expect(failure.nonRetryable).toBe(true);
  expect(uploads()).toBe(0);
});

test('a path outside the reference directory, or no directory configured, is refused without an upload', async () => {
  writeFileSync(join(root, 'outside.png'), makePng(8, 8));
  const refused = [() => upload('../outside.png'), () => upload(join(root, 'outside.png')), () => upload('ok.png', null)];
  for (const run of refused) {
    const failure = await activityFailureOf(run());
    expect(failure.type).toBe(REFERENCE_REJECTED);
    expect(failure.nonRetryable).toBe(true);
    // The refusal does not say where the directory is on the worker.
    expect(failure.message).not.toContain(root);
  }
  expect(uploads()).toBe(0);
});
