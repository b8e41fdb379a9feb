/**
 * The dry run on the real stack (issue #28, item 1): a Temporal dev server, a worker with the real
 * workflows and the Rivya simulator, whose ledger and counters say what was uploaded, created and
 * charged. An estimate reads the wallet and nothing else; for each refusal a real run of the same
 * input ends with the very failure type and activity error the estimate named.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateSora2Generation, estimateSora2Batch, Sora2BatchInputError, Sora2InputError, type Sora2GenerationInput } from '../../src';
import { priceOf } from '../../src/contract/models';
import { makePng } from '../helpers/images';
import { clientFor } from '../helpers/simulator';
import { generationFailureOf, useTestStack } from '../helpers/stack';

jest.setTimeout(180_000);

const saveRoot = realpathSync(mkdtempSync(join(tmpdir(), 'rivya-estimate-save-')));
writeFileSync(join(saveRoot, 'blocked'), 'a file where the target wants a directory');
afterAll(() => rmSync(saveRoot, { recursive: true, force: true }));

const stack = useTestStack({ workflowsPath: require.resolve('../../src/worker/workflows'), plugin: { saveDirectory: saveRoot } });

/** The worker's settings, as a backend beside it would pass them. */
const options = () => ({
  rivya: clientFor(stack.simulator),
  reference: { referenceDirectory: stack.referenceDir },
  save: { saveDirectory: saveRoot },
});

/** What the simulator saw that costs or creates anything. */
function spent() {
  const stats = stack.simulator.stats();
  return {
    uploads: stats.counters.uploadFile?.requests ?? 0,
    creates: stats.counters.createGeneration?.requests ?? 0,
    tasks: stats.tasks.length,
    files: stats.files,
    ledger: stats.ledger.length,
  };
}
const NOTHING = { uploads: 0, creates: 0, tasks: 0, files: 0, ledger: 0 };

beforeAll(() => {
  writeFileSync(join(stack.referenceDir, 'ok.png'), makePng(320, 180));
  writeFileSync(join(stack.referenceDir, 'renamed.png'), Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(64)]));
});

test('a valid input: the price, the wallet read from Rivya, fits — and the ledger untouched', async () => {
  stack.simulator.reset();
  const wallet = stack.simulator.stats().wallets.acct_primary!;
  const estimate = await estimateSora2Generation(
    { prompt: 'a red fox in the snow', model: 'sora-2-pro', reference: { path: 'ok.png' }, save: { to: 'foxes' } },
    options(),
  );
  expect(estimate).toMatchObject({ ok: true, price: priceOf('sora-2-pro'), walletCredits: wallet, fits: true, issues: [] });
  expect(estimate.expectedDuration.source).toBe('built-in');
  expect(stack.simulator.stats().counters.getCredits?.requests).toBe(1);
  expect(spent()).toEqual(NOTHING);
});

test('a wallet smaller than the price: GenerationRejected with insufficient_credits, as the paid create would end', async () => {
  stack.simulator.reset({ creditsByAccount: { acct_primary: 3 } });
  const input: Sora2GenerationInput = { prompt: 'a red fox in the snow', polling: { expectedDurationMs: 400 } };
  const estimate = await estimateSora2Generation(input, options());
  expect(estimate).toMatchObject({ ok: false, walletCredits: 3, fits: false });
  expect(estimate.issues).toEqual([expect.objectContaining({ failureType: 'GenerationRejected', type: 'rivya:insufficient_credits' })]);
  expect(spent()).toEqual(NOTHING);

  const { failure, details } = await generationFailureOf(await stack.start(input, 'estimate-wallet'));
  expect(failure.type).toBe(estimate.issues[0]!.failureType);
  expect(`rivya:${details.remoteError?.code}`).toBe(estimate.issues[0]!.type);
});

test.each<[string, Partial<Sora2GenerationInput>]>([
  ['a reference whose magic bytes are not an image', { reference: { path: 'renamed.png' } }],
  ['a reference URL the SSRF guard refuses (cloud metadata)', { reference: { url: 'https://169.254.169.254/latest/meta-data/x.png' } }],
  ['a save target the worker cannot write', { save: { to: 'blocked/videos' } }],
  ['an account the worker has no key for', { account: 'nobody' }],
])('%s: the same typed refusal as the real run, and nothing paid by either', async (_name, extra) => {
  stack.simulator.reset();
  const input: Sora2GenerationInput = { prompt: 'a red fox in the snow', ...extra };
  const estimate = await estimateSora2Generation(input, options());
  expect(estimate.ok).toBe(false);
  expect(estimate.issues).toHaveLength(1);
  const [issue] = estimate.issues;

  const { failure, details } = await generationFailureOf(await stack.start(input, 'estimate-refused'));
  expect(issue!.failureType).toBe(failure.type);
  expect(issue!.type).toBe(details.remoteError?.code);
  expect(failure.message).toContain(issue!.message);
  expect(spent()).toEqual(NOTHING);
});

test('invalid input: Sora2InputError, as the start refuses it', async () => {
  const input = { prompt: 'x', params: { size: 'high' } } as Sora2GenerationInput; // size is sora-2-pro only
  const fromEstimate = await estimateSora2Generation(input, options()).catch((err: unknown) => err);
  const fromStart = await stack.start(input, 'estimate-invalid').catch((err: unknown) => err);
  expect(fromEstimate).toBeInstanceOf(Sora2InputError);
  expect(fromStart).toBeInstanceOf(Sora2InputError);
  expect((fromEstimate as Sora2InputError).issues).toEqual((fromStart as Sora2InputError).issues);
});

test("a batch: Σ price against the budget, one wallet read, each item's refusals — nothing started", async () => {
  stack.simulator.reset();
  const estimate = await estimateSora2Batch(
    {
      items: [
        { key: 'a', prompt: 'one', model: 'sora-2' },
        { key: 'b', prompt: 'two', model: 'sora-2-pro' },
        { key: 'c', prompt: 'three', reference: { path: 'renamed.png' } },
      ],
      budget: 50,
    },
    { ...options(), batchId: 'estimate-batch' },
  );
  expect(estimate.totalPrice).toBe(2 * priceOf('sora-2') + priceOf('sora-2-pro'));
  expect(estimate).toMatchObject({ ok: false, budget: 50, fits: false });
  expect(estimate.issues.map((issue) => issue.type)).toEqual(['BudgetExceeded']);
  expect(estimate.items.find((item) => item.key === 'c')!.estimate.issues.map((issue) => issue.type)).toEqual(['ReferenceRejected']);
  expect(stack.simulator.stats().counters.getCredits?.requests).toBe(1);
  expect(spent()).toEqual(NOTHING);
  await expect(estimateSora2Batch({ items: [] }, options())).rejects.toThrow(Sora2BatchInputError);
});
