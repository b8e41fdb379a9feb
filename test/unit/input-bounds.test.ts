/**
 * Inputs that would bloat history or hammer Rivya are refused (or, for poll intervals below
 * Temporal's timer resolution, raised to it) before anything starts.
 */
import { checkSora2Input, INPUT_LIMITS, utf8Length } from '../../workflows/generation/input';

const issuesOf = (input: unknown) => {
  const checked = checkSora2Input(input);
  return checked.ok ? [] : checked.issues.map((issue) => `${issue.path}: ${issue.message}`);
};

test('20,000 metadata keys (22 MB) are refused as a whole', () => {
  const metadata = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key-${i}`, 'v'.repeat(1_000)]));
  expect(issuesOf({ prompt: 'p', metadata })).toEqual([expect.stringMatching(/^\(input\): must be at most 65536 bytes of JSON/)]);
});

test('metadata is bounded in keys and bytes; small metadata passes', () => {
  const many = Object.fromEntries(Array.from({ length: INPUT_LIMITS.maxMetadataKeys + 1 }, (_, i) => [`k${i}`, i]));
  expect(issuesOf({ prompt: 'p', metadata: many })).toEqual([expect.stringMatching(/^metadata: must have at most 32 keys/)]);
  const big = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'x'.repeat(1_000)]));
  expect(issuesOf({ prompt: 'p', metadata: big })).toEqual([expect.stringMatching(/^metadata: must be at most 8192 bytes/)]);
  expect(issuesOf({ prompt: 'p', metadata: { orderId: 'o-42', title: 'Harbour', priority: 2 } })).toEqual([]);
});

test('compensation arguments are bounded in total', () => {
  const compensations = Array.from({ length: 4 }, () => ({ activity: 'undo', args: ['y'.repeat(5_000)] }));
  expect(issuesOf({ prompt: 'p', compensations })).toEqual([
    expect.stringMatching(/^compensations: compensation args must total at most 16384 bytes/),
  ]);
});

test('a 1 ms poll interval is raised to 1 s; a 10-year deadline and absurd durations are refused', () => {
  const checked = checkSora2Input({ prompt: 'p', polling: { firstCheckAfterMs: 1, minIntervalMs: 1, maxIntervalMs: 1 } });
  expect(checked.ok && checked.value.polling).toMatchObject({ firstCheckAfterMs: 1_000, minIntervalMs: 1_000, maxIntervalMs: 1_000 });
  expect(issuesOf({ prompt: 'p', polling: { deadlineMs: 10 * 365 * 24 * 3_600_000 } })).toEqual([
    expect.stringMatching(/^polling\.deadlineMs: must be at most/),
  ]);
  expect(issuesOf({ prompt: 'p', polling: { expectedDurationMs: 2 ** 31 } })).toEqual([
    expect.stringMatching(/^polling\.expectedDurationMs: must be at most/),
  ]);
  expect(issuesOf({ prompt: 'p', polling: { maxIntervalMs: 2 ** 31 } })).toEqual([
    expect.stringMatching(/^polling\.maxIntervalMs: must be at most/),
  ]);
});

test('an input that is not JSON (a cycle) is refused, not thrown', () => {
  const metadata: Record<string, unknown> = {};
  metadata.self = metadata;
  expect(issuesOf({ prompt: 'p', metadata })).toEqual([expect.stringMatching(/not serialisable as JSON/)]);
});

test('utf8Length counts like Buffer.byteLength', () => {
  for (const text of ['', 'abc', 'é', '€', '😀', 'a😀é€z'.repeat(10)]) expect(utf8Length(text)).toBe(Buffer.byteLength(text));
});
