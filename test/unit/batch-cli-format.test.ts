/** What `batch --wait` prints, without a server: the progress line and the summary table. */
import { describeBatchStatus, summaryTable } from '../../tools/cli/batch-progress';
import type { BatchItemOutcome, BatchStatus, Sora2BatchResult } from '../../workflows/batch/state';

const status = (over: Partial<BatchStatus> = {}): BatchStatus => ({
  phase: 'running',
  counts: { total: 20, queued: 8, running: 4, succeeded: 7, failed: 1, cancelled: 0, skipped: 0 },
  credits: { budget: 120, walletAtStart: 1_000, spent: 42, reserved: 24 },
  concurrency: 4,
  onFailure: 'continue',
  stop: null,
  continuedAsNew: 0,
  startedAt: '2026-05-11T00:00:00.000Z',
  runningKeys: [],
  ...over,
});

const item = (key: string, over: Partial<BatchItemOutcome> = {}): BatchItemOutcome => ({
  key,
  status: 'succeeded',
  taskId: `task_${key}`,
  credits: 6,
  location: null,
  error: null,
  ...over,
});

const resultOf = (items: BatchItemOutcome[]): Sora2BatchResult => ({
  batchId: 'b',
  counts: {
    total: items.length,
    queued: 0,
    running: 0,
    succeeded: items.filter((i) => i.status === 'succeeded').length,
    failed: 1,
    cancelled: 0,
    skipped: 0,
  },
  credits: { budget: null, walletAtStart: 100, spent: 12 },
  stop: null,
  continuedAsNew: 0,
  timings: { startedAt: '', completedAt: '', totalMs: 12_300 },
  items,
});

test('the progress line: done of total, outcomes, in flight, credits against the budget, and why it stopped', () => {
  expect(describeBatchStatus(status())).toBe('8/20 done | 7 ok, 1 failed | 4 running, 8 queued | 42 credits spent, 24 reserved of 120');
  expect(describeBatchStatus(status({ stop: { reason: 'item-failed', key: 'clip-3', cancelRunning: false } }))).toContain(
    'stopped: item clip-3 failed',
  );
});

test('the summary table: failures first, foreign text made printable, long batches cut with a pointer to --json', () => {
  const lines = summaryTable(
    resultOf([
      item('ok-1', { location: '/videos/b%2Fok-1.mp4' }),
      item('bad', { status: 'failed', credits: 0, error: { type: 'GenerationFailed', message: 'no\u001b[31m video' } }),
    ]),
  );
  expect(lines[0]).toMatch(/^item\s+outcome\s+task\s+credits\s+saved to \/ reason$/);
  expect(lines[2]).toMatch(/^bad\s+failed\s+task_bad\s+0\s+GenerationFailed: no video$/);
  expect(lines[3]).toMatch(/^ok-1\s+succeeded\s+task_ok-1\s+6\s+\/videos\/b%2Fok-1\.mp4$/);
  expect(lines.at(-1)).toBe('1 succeeded, 1 failed, 0 cancelled, 0 skipped of 2; 12 credits spent; 12.3s');

  const many = summaryTable(resultOf(Array.from({ length: 60 }, (_, i) => item(`k${i}`))), 50);
  expect(many.filter((line) => /^k\d+\s/.test(line))).toHaveLength(50);
  expect(many).toContain('… 10 more item(s): --json prints every one');
});
