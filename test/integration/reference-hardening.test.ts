/**
 * Local references under attack, through the real upload activity (Temporal's activity test
 * environment) and the simulator's Files API over a real socket:
 *   - the file is swapped for a symlink to a file outside the directory, or for a FIFO, while
 *     uploads run: the bytes uploaded are always the bytes checked, never the outside file, and a
 *     FIFO never blocks;
 *   - a refusal does not reveal whether a path outside the directory exists, nor where the
 *     directory is on the worker;
 *   - polyglots and padded images are refused before anything is uploaded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { makeUploadReference } from '../../activities/upload-reference';
import type { UploadedReference } from '../../workflows/common/activity-contract';
import type { RivyaSimulator } from '../../simulator/index';
import { tempDir } from '../helpers/media';
import { makePng } from '../helpers/images';
import { clientFor, startTestSimulator } from '../helpers/simulator';

let simulator: RivyaSimulator;
let root: string;
let referenceDirectory: string;

beforeAll(async () => {
  simulator = await startTestSimulator();
  root = tempDir('ref-hardening-');
  referenceDirectory = join(root, 'refs');
  mkdirSync(referenceDirectory);
});
afterAll(async () => {
  await simulator?.close();
  rmSync(root, { recursive: true, force: true });
});

function upload(path: string): Promise<UploadedReference> {
  const activity = makeUploadReference(clientFor(simulator), { referenceDirectory });
  return new MockActivityEnvironment().run(activity, { reference: { path }, model: 'sora-2' as const, workflowId: `wf-${Math.random()}` });
}

const refusal = (err: unknown) => (err instanceof ApplicationFailure ? `${err.type}: ${err.message}` : `unexpected: ${String(err)}`);

test('a file swapped for an outside symlink or a FIFO during uploads never uploads the outside file', async () => {
  const inside = makePng(32, 32);
  const secret = makePng(300, 300); // a different size, so an upload of it is recognisable
  expect(secret.length).not.toBe(inside.length);
  writeFileSync(join(root, 'secret.png'), secret);
  const target = join(referenceDirectory, 'swap.png');
  const variants = [
    () => writeFileSync(`${target}.next`, inside),
    () => symlinkSync(join(root, 'secret.png'), `${target}.next`),
    () => execFileSync('mkfifo', [`${target}.next`]),
  ];
  writeFileSync(target, inside);
  let turn = 0;
  let swapping = true;
  // Atomic renames, as an attacker with write access to the directory would do it.
  const swapper = (async () => {
    while (swapping) {
      try {
        rmSync(`${target}.next`, { force: true });
        variants[turn++ % variants.length]!();
        renameSync(`${target}.next`, target);
      } catch (err) {
        if (!swapping) break; // the directory is being torn down
        throw err;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();

  const uploadedSizes: number[] = [];
  const refusals = new Set<string>();
  try {
    for (let i = 0; i < 150; i += 1) {
      await upload('swap.png').then(
        (reference) => uploadedSizes.push(reference.sizeBytes),
        (err: unknown) => refusals.add(refusal(err)),
      );
    }
  } finally {
    swapping = false;
    await swapper;
  }
  expect(uploadedSizes.filter((size) => size !== inside.length)).toEqual([]);
  // How many uploads landed on the regular file depends on scheduling; that the path still works
  // once the swapping stops does not.
  rmSync(target, { force: true });
  writeFileSync(target, inside);
  expect((await upload('swap.png')).sizeBytes).toBe(inside.length);
  for (const reason of refusals) expect(reason).toMatch(/^ReferenceRejected: reference\.path: /);
}, 60_000);

test('refusals do not reveal whether a path outside the directory exists', async () => {
  const existing = await upload('/etc/hostname').catch(refusal);
  const missing = await upload('/nonexistent-dir/nothing.png').catch(refusal);
  const existingRelative = await upload('../../../../../../etc/hostname').catch(refusal);
  expect(existing).toMatch(/^ReferenceRejected: /);
  expect(missing).toBe(existing);
  expect(existingRelative).toBe(existing);
});

test("a missing file's refusal says how to fix it without naming the worker's directory (the caller reads it in history)", async () => {
  for (const path of ['missing.png', 'sub/missing.png']) {
    const missing = await upload(path).catch(refusal);
    expect(missing).toMatch(/^ReferenceRejected: reference\.path: no such file in the worker's reference directory; .*RIVYA_REFERENCE_DIR/);
    expect(missing).not.toContain(root);
    expect(missing).not.toContain('/refs');
  }
});

test.each([
  ['a PNG with a ZIP appended', () => Buffer.concat([makePng(64, 64), Buffer.from('PK\x03\x04 a zip archive follows', 'latin1')])],
  ['a PNG of 100000×100000 px', () => makePng(100_000, 100_000)],
  ['a PNG of 0×0 px', () => makePng(0, 0)],
])('%s is refused before anything is uploaded', async (_label, bytes) => {
  const before = simulator.stats().counters.uploadFile ?? 0;
  writeFileSync(join(referenceDirectory, 'hostile.png'), bytes());
  expect(await upload('hostile.png').catch(refusal)).toMatch(/^ReferenceRejected: reference\.path: /);
  expect(simulator.stats().counters.uploadFile ?? 0).toBe(before);
});
