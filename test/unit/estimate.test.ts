/**
 * The dry run's checks without a server (src/client/estimate.ts): the run's own check functions on
 * local files and URLs the guard refuses before any connection — each refusal typed as the run's —
 * the price from the one table, and the expected duration with its source. The wallet and the
 * simulator's ledger are in test/integration/estimate.test.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompletionLearner } from '../../activities/completion-learner';
import { estimateSora2Generation, Sora2InputError } from '../../src';
import { priceOf } from '../../src/contract/models';
import { dryRunExitCode, formatEstimate } from '../../tools/cli/dry-run';
import { makePng } from '../helpers/images';
import { tempDir } from '../helpers/media';

let root: string;
let references: string;
let saves: string;

beforeAll(() => {
  root = tempDir('estimate-unit-');
  references = join(root, 'refs');
  saves = join(root, 'saves');
  mkdirSync(references);
  mkdirSync(saves);
  writeFileSync(join(references, 'ok.png'), makePng(64, 48));
  writeFileSync(join(references, 'fake.png'), Buffer.from('GIF89a not a png at all'));
  writeFileSync(join(saves, 'blocked'), 'a file where a directory is wanted');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings = () => ({ reference: { referenceDirectory: references }, save: { saveDirectory: saves } });

test('a valid input passes every check: the price from the table, the built-in expectation, no wallet read', async () => {
  const estimate = await estimateSora2Generation(
    { prompt: 'a lighthouse', model: 'sora-2-pro', reference: { path: 'ok.png' }, save: { to: 'videos' } },
    settings(),
  );
  expect(estimate).toMatchObject({
    ok: true,
    model: 'sora-2-pro',
    price: priceOf('sora-2-pro'),
    walletCredits: null,
    fits: null,
    expectedDuration: { ms: 300_000, source: 'built-in' },
    issues: [],
  });
  expect(estimate.checks.map((check) => [check.name, check.status])).toEqual([
    ['input', 'passed'],
    ['account', 'skipped'],
    ['save-target', 'passed'],
    ['reference', 'passed'],
    ['wallet', 'skipped'],
  ]);
});

test("invalid input throws the start's own Sora2InputError, the workflow id checked as at the start", async () => {
  await expect(estimateSora2Generation({ prompt: '  ' })).rejects.toThrow(Sora2InputError);
  await expect(estimateSora2Generation({ prompt: 'ok' }, { workflowId: 'x'.repeat(300) })).rejects.toThrow(Sora2InputError);
});

test.each([
  ['a wrong magic byte', { path: 'fake.png' }, /not a JPEG, PNG or WebP image/],
  ['a path outside the reference directory', { path: '../saves/blocked' }, /outside the reference directory/],
  ['a cloud metadata URL (the SSRF guard)', { url: 'https://169.254.169.254/latest/x.png' }, /non-public address/],
  ['a loopback URL (the SSRF guard)', { url: 'https://127.0.0.1/x.png' }, /non-public address|local/],
])('%s is refused as the run refuses it: ReferenceRejected, ending ValidationFailed', async (_name, reference, message) => {
  const estimate = await estimateSora2Generation({ prompt: 'a lighthouse', reference }, settings());
  expect(estimate.ok).toBe(false);
  expect(estimate.issues).toEqual([
    expect.objectContaining({
      check: 'reference',
      type: 'ReferenceRejected',
      failureType: 'ValidationFailed',
      message: expect.stringMatching(message),
    }),
  ]);
  expect(dryRunExitCode(estimate.issues)).toBe(2);
});

test('an unwritable save target is refused as SaveTargetUnusable, ending ValidationFailed', async () => {
  const estimate = await estimateSora2Generation({ prompt: 'a lighthouse', save: { to: 'blocked/videos' } }, settings());
  expect(estimate.issues).toEqual([
    expect.objectContaining({ check: 'save-target', type: 'SaveTargetUnusable', failureType: 'ValidationFailed' }),
  ]);
  const lines = formatEstimate(estimate);
  expect(lines[0]).toContain('a real run would be refused');
  expect(lines.at(-1)).toMatch(/^refused \(ValidationFailed, SaveTargetUnusable\): /);
});

test("the expectation is the input's first, then the worker's learner (with its source)", async () => {
  const fromInput = await estimateSora2Generation({ prompt: 'x', polling: { expectedDurationMs: 42_000 } });
  expect(fromInput.expectedDuration).toEqual({ ms: 42_000, source: 'input' });
  const learner = new CompletionLearner(2);
  learner.seed(
    [1, 2, 3].map((i) => ({ taskId: `t${i}`, model: 'sora-2', nFrames: '15', createdAtMs: Date.now() - i * 1000, durationMs: 90_000 })),
  );
  const learned = await estimateSora2Generation({ prompt: 'x', params: { n_frames: '15' } }, { learner });
  expect(learned.expectedDuration).toEqual({ ms: 90_000, source: 'seeded' });
});
