/**
 * The batch's rules without a server: its input bounds (items, bytes, keys, ids), the price table
 * it budgets from, and how a child's end becomes an outcome record (credits never under-counted).
 */
import { priceOf } from '../../src/contract/models';
import { BATCH_LIMITS, batchStartCheck, checkSora2BatchInput, childWorkflowId } from '../../workflows/batch/input';
import { conclusionOfFailure, conclusionOfResult, outcomeOf } from '../../workflows/batch/outcome';
import { FailureTypes } from '../../workflows/common/failures';

const BATCH_ID = 'batch-test';

function issuesOf(input: unknown, batchId = BATCH_ID) {
  const checked = checkSora2BatchInput(input, batchId);
  return checked.ok ? [] : checked.issues;
}

test('the price comes from the models table: sora-2 6, sora-2-pro 75, whatever the params (billing is fixed)', () => {
  expect(priceOf('sora-2')).toBe(6);
  expect(priceOf('sora-2', { n_frames: '15' })).toBe(6);
  expect(priceOf('sora-2-pro', { size: 'high' })).toBe(75);
  const checked = checkSora2BatchInput({ items: [{ prompt: 'a' }, { prompt: 'b', model: 'sora-2-pro' }] }, BATCH_ID);
  expect(checked.ok && checked.items.map((item) => item.price)).toEqual([6, 75]);
});

test('keys: given or the index; unique; letters, digits and ._:- only; the child id is <batchId>/<key>', () => {
  const checked = checkSora2BatchInput({ items: [{ prompt: 'a' }, { key: 'intro.v2', prompt: 'b' }] }, BATCH_ID);
  expect(checked.ok && checked.items.map((item) => item.key)).toEqual(['0', 'intro.v2']);
  expect(childWorkflowId(BATCH_ID, 'intro.v2')).toBe('batch-test/intro.v2');
  expect(issuesOf({ items: [{ key: 'a b', prompt: 'x' }] }).map((i) => i.path)).toEqual(['items.0.key']);
  expect(issuesOf({ items: [{ key: '../x', prompt: 'x' }] }).map((i) => i.path)).toEqual(['items.0.key']);
  expect(issuesOf({ items: [{ key: 'k'.repeat(BATCH_LIMITS.maxKeyChars + 1), prompt: 'x' }] }).map((i) => i.path)).toEqual(['items.0.key']);
  expect(issuesOf({ items: [{ key: '1', prompt: 'x' }, { prompt: 'y' }] })).toEqual([
    { path: 'items.1.key', message: 'duplicate item key "1"' },
  ]);
});

test('variants: one item N times as <key>-<i>, after the listed items', () => {
  const checked = checkSora2BatchInput(
    { items: [{ prompt: 'first' }], variants: { count: 3, item: { key: 'cat', prompt: 'a cat' } } },
    BATCH_ID,
  );
  expect(checked.ok && checked.items.map((item) => [item.key, item.input.prompt])).toEqual([
    ['0', 'first'],
    ['cat-0', 'a cat'],
    ['cat-1', 'a cat'],
    ['cat-2', 'a cat'],
  ]);
});

test('the batch id leaves room for a key inside 128 characters; an empty batch is refused', () => {
  expect(issuesOf({ items: [{ prompt: 'x' }] }, 'b'.repeat(BATCH_LIMITS.maxBatchIdChars))).toEqual([]);
  expect(issuesOf({ items: [{ prompt: 'x' }] }, 'b'.repeat(BATCH_LIMITS.maxBatchIdChars + 1)).map((i) => i.path)).toEqual(['batchId']);
  expect(issuesOf({ items: [] }).map((i) => i.path)).toEqual(['items']);
});

test('defaults apply unless an item sets the field; save and searchAttributes reach every child', () => {
  const checked = checkSora2BatchInput(
    {
      items: [{ prompt: 'a' }, { prompt: 'b', model: 'sora-2-pro' }],
      defaults: { model: 'sora-2', polling: { expectedDurationMs: 8_000 } },
      save: { to: 's3://bucket-one/videos' },
      searchAttributes: false,
    },
    BATCH_ID,
  );
  expect(checked.ok).toBe(true);
  if (!checked.ok) return;
  expect(checked.items.map((item) => item.model)).toEqual(['sora-2', 'sora-2-pro']);
  for (const item of checked.items) {
    expect(item.input).toMatchObject({
      save: { to: 's3://bucket-one/videos' },
      searchAttributes: false,
      polling: { expectedDurationMs: 8_000 },
    });
  }
});

test('bounds: items per batch, input bytes (with a warning from 256 KB), and the room every result record needs', () => {
  const many = Array.from({ length: BATCH_LIMITS.maxItems + 1 }, () => ({ prompt: 'p' }));
  expect(issuesOf({ items: many }).map((i) => i.path)).toContain('items');

  const huge = Array.from({ length: 200 }, () => ({ prompt: 'x'.repeat(6_000) }));
  expect(issuesOf({ items: huge })).toEqual([{ path: '(input)', message: expect.stringContaining('at most 1048576 bytes') }]);

  const large = checkSora2BatchInput({ items: Array.from({ length: 60 }, () => ({ prompt: 'y'.repeat(5_000) })) }, BATCH_ID);
  expect(large.ok && large.warnings).toEqual([expect.stringContaining('Temporal warns above 262144')]);

  // 4,500 short items fit; saved ones (a location per record) do not: their records could outgrow the result.
  const short = Array.from({ length: 4_500 }, () => ({ prompt: 'p' }));
  expect(issuesOf({ items: short })).toEqual([]);
  expect(issuesOf({ items: short, save: { to: 's3://bucket-one/a/long/enough/prefix/for/the/videos' } })).toEqual([
    { path: 'items', message: expect.stringContaining('too large') },
  ]);
});

test('outcome records: credits from the child (refund returns to the budget), an unknown cost at full price', () => {
  expect(
    outcomeOf('a', conclusionOfResult({ taskId: 'task_1', credits: { reserved: 6, final: 6 }, saved: { location: '/v/a.mp4' } }), 6),
  ).toEqual({
    key: 'a',
    status: 'succeeded',
    taskId: 'task_1',
    credits: 6,
    location: '/v/a.mp4',
    error: null,
  });
  const refunded = { taskId: 'task_2', credits: { reservedCredits: 6, finalCredits: 0, refunded: true } };
  expect(outcomeOf('b', conclusionOfFailure(FailureTypes.GenerationFailed, 'failed', refunded), 6)).toMatchObject({
    status: 'failed',
    credits: 0,
  });
  // No task: nothing was charged.
  expect(outcomeOf('c', conclusionOfFailure(FailureTypes.ValidationFailed, 'bad', { taskId: null }), 6).credits).toBe(0);
  // Still running at Rivya (cancelled: no cancel endpoint): its reservation counts.
  const pending = { taskId: 'task_3', credits: { reservedCredits: 6, finalCredits: 0, refunded: 'pending' } };
  expect(outcomeOf('d', conclusionOfFailure(FailureTypes.GenerationCancelled, 'cancelled', pending), 6)).toMatchObject({
    status: 'cancelled',
    credits: 6,
  });
  // Paid but not saved (no reconciliation in its details): the full price.
  expect(outcomeOf('e', conclusionOfFailure('ResultNotSaved', 'not saved', { taskId: 'task_4' }), 75).credits).toBe(75);
  // Foreign text is shortened and made printable.
  const long = outcomeOf('f', conclusionOfFailure('X', `\u001b[31m${'m'.repeat(500)}`, null), 6);
  expect(long.error!.message.length).toBeLessThanOrEqual(BATCH_LIMITS.maxOutcomeMessageChars);
  expect(long.error!.message).not.toContain('\u001b');
});

describe('batchStartCheck: the start check the batch and its dry run share', () => {
  const items = [{ price: 6 }, { price: 6 }];
  it('fits within min(budget, wallet)', () => {
    expect(batchStartCheck(items, 12, 100)).toEqual({ required: 12, cap: 12, short: undefined });
    expect(batchStartCheck(items, undefined, undefined)).toEqual({ required: 12, cap: Number.POSITIVE_INFINITY, short: undefined });
  });
  it('names the limit that refuses: the budget when it is the lower, else the wallet', () => {
    expect(batchStartCheck(items, 1, 100).short).toBe('the budget of 1');
    expect(batchStartCheck(items, 100, 5).short).toBe("the wallet's 5");
    expect(batchStartCheck(items, 5, 5).short).toBe("the wallet's 5");
    expect(batchStartCheck(items, 5, undefined).short).toBe('the budget of 5');
    expect(batchStartCheck(items, undefined, 0).short).toBe("the wallet's 0");
  });
});
