/**
 * Issue #27 items 5 and 7, the CLI's words without a server: a refusal said once, a batch's end in
 * words and counts, a batch file's mistakes all at once by line and key, the wallet called a
 * wallet, rows in input order, saved names without %2F, a webhook wait's "last known" status,
 * and dev's notices and --credits. The e2e files (cli-truth, dev-options) run the same through the binary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerationFailureDetails } from '../../workflows/common/failures';
import type { BatchItemOutcome, Sora2BatchResult } from '../../workflows/batch/state';
import { formatFailure, headline, type FailureReport } from '../../tools/cli/failure-report';
import { batchOutcomeWord, batchCountsLine, exitCodeOfResult, formatBatchFailure, finalStatusOf } from '../../tools/cli/batch-outcome';
import { capOf, describeBatchStatus, summaryTable } from '../../tools/cli/batch-progress';
import { describeInputIssues, itemKey, readItemsJsonl } from '../../tools/cli/commands/batch';
import { checkReferenceImage, creditsOption, persistenceNotice, portNotices } from '../../tools/cli/commands/dev';
import { lastKnownStatus, webhookWaitLine } from '../../tools/cli/webhook-wait';
import { savedFileName } from '../../src/contract/save-target';
import { generationStatus } from '../helpers/generation-status';

const details = (over: Partial<GenerationFailureDetails>): GenerationFailureDetails => ({
  reason: 'invalid-input',
  workflowId: 'wf',
  phase: 'validating',
  taskId: null,
  remoteError: null,
  credits: null,
  compensations: [],
  polls: 0,
  ...over,
});

describe('a refusal is said once', () => {
  test('a rejected reference: the headline keeps its lead, the reason is on its own line', () => {
    const why = "reference.path: no such file in the worker's reference directory";
    const report: FailureReport = {
      type: 'ValidationFailed',
      message: `reference rejected: ${why}`,
      details: details({ reason: 'reference-rejected', remoteError: { code: 'reference_rejected', message: why } }),
    };
    const lines = formatFailure(report);
    expect(lines).toEqual(['failed: ValidationFailed: reference rejected', `  invalid reference: ${why}`]);
    expect(lines.join('\n').split(why)).toHaveLength(2);
  });

  test('input issues: listed once, below a headline without them', () => {
    const issues = [
      { path: 'prompt', message: 'must not be empty' },
      { path: 'params.n_frames', message: 'must be one of "10", "15"' },
    ];
    const report: FailureReport = {
      type: 'ValidationFailed',
      message: 'invalid generation input: prompt: must not be empty; params.n_frames: must be one of "10", "15"',
      details: details({ issues }),
    };
    expect(formatFailure(report)).toEqual([
      'failed: ValidationFailed: invalid generation input',
      '  invalid prompt: must not be empty',
      '  invalid params.n_frames: must be one of "10", "15"',
    ]);
  });

  test('a message that does not repeat its details is left whole', () => {
    const report: FailureReport = {
      type: 'ValidationFailed',
      message: 'something else',
      details: details({ issues: [{ path: 'prompt', message: 'must not be empty' }] }),
    };
    expect(headline(report)).toBe('something else');
  });
});

const outcome = (key: string, status: BatchItemOutcome['status'] = 'succeeded'): BatchItemOutcome => ({
  key,
  status,
  taskId: status === 'skipped' ? null : `task_${key}`,
  credits: status === 'succeeded' ? 6 : 0,
  location: null,
  error: status === 'succeeded' ? null : { type: status, message: status },
});

const result = (items: BatchItemOutcome[], over: Partial<Sora2BatchResult> = {}): Sora2BatchResult => {
  const count = (status: BatchItemOutcome['status']) => items.filter((item) => item.status === status).length;
  return {
    batchId: 'launch-1',
    counts: {
      total: items.length,
      queued: 0,
      running: 0,
      succeeded: count('succeeded'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      skipped: count('skipped'),
    },
    credits: { budget: 99_910, walletAtStart: 99_910, spent: 6 * count('succeeded') },
    stop: null,
    continuedAsNew: 0,
    timings: { startedAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:10.000Z', totalMs: 10_000 },
    items,
    ...over,
  };
};

describe("a batch's end in words", () => {
  test('an operator cancel with nothing done is "cancelled by an operator", with its counts, exit 1', () => {
    const cancelled = result(
      [
        ...Array.from({ length: 3 }, (_, i) => outcome(`c${i}`, 'cancelled')),
        ...Array.from({ length: 5 }, (_, i) => outcome(`s${i}`, 'skipped')),
      ],
      {
        stop: { reason: 'operator', key: null, cancelRunning: true },
      },
    );
    expect(batchOutcomeWord(cancelled)).toBe('cancelled by an operator');
    expect(batchCountsLine(cancelled)).toBe('0 of 8 succeeded, 0 failed, 3 cancelled, 5 skipped; 0 credits spent');
    expect(exitCodeOfResult(cancelled)).toBe(1);
  });

  test('all succeeded is "succeeded"; a failed item without a stop is "finished with failures"', () => {
    expect(batchOutcomeWord(result([outcome('a'), outcome('b')]))).toBe('succeeded');
    expect(batchOutcomeWord(result([outcome('a'), outcome('b', 'failed')]))).toBe('finished with failures');
    expect(batchOutcomeWord(result([outcome('b', 'failed')], { stop: { reason: 'item-failed', key: 'b', cancelRunning: false } }))).toBe(
      'stopped: item b failed',
    );
  });

  test('a BudgetExceeded failure shows the numbers behind it', () => {
    expect(
      formatBatchFailure({
        type: 'BudgetExceeded',
        message: 'the 2 items cost 12 credits, more than the budget of 1; nothing was started',
        details: { batchId: 'b', required: 12, budget: 1, wallet: 500 },
      }),
    ).toEqual([
      'failed: BudgetExceeded: the 2 items cost 12 credits, more than the budget of 1; nothing was started',
      '  required: 12 credits',
      '  budget: 1 credits',
      '  wallet: 500 credits',
    ]);
  });
});

describe('the wallet is called the wallet; the bar ends on the final counts; rows in input order', () => {
  test('no budget given (the cap is the wallet): "the wallet\'s", "(wallet …)"', () => {
    expect(capOf({ budget: 99_910, walletAtStart: 99_910 })).toBe("the wallet's 99910");
    expect(capOf({ budget: 120, walletAtStart: 1_000 })).toBe('120');
    expect(capOf({ budget: null, walletAtStart: null })).toBe('');
    const done = result([outcome('a')]);
    expect(summaryTable(done).at(-1)).toBe('1 succeeded, 0 failed, 0 cancelled, 0 skipped of 1; 6 credits spent (wallet 99910); 10.0s');
    expect(summaryTable(result([outcome('a')], { credits: { budget: 50, walletAtStart: 99_910, spent: 6 } })).at(-1)).toContain(
      '(budget 50)',
    );
  });

  test("the result's own counts end the bar: 10/10, not the last tick's 9/10", () => {
    const done = result(Array.from({ length: 10 }, (_, i) => outcome(`k${i}`)));
    expect(describeBatchStatus(finalStatusOf(done))).toMatch(
      /^10\/10 done \| 10 ok, 0 failed \| 0 running, 0 queued \| 60 credits spent, 0 reserved of the wallet's 99910$/,
    );
  });

  test('rows: failures first, then the input order (not the order they finished), unknown keys in natural order', () => {
    const finished = result([outcome('c'), outcome('clip-10'), outcome('a', 'failed'), outcome('b'), outcome('clip-2')]);
    const rows = summaryTable(finished, 50, ['b', 'a', 'c'])
      .slice(2, -1)
      .map((line) => line.split(/\s+/)[0]);
    expect(rows).toEqual(['a', 'b', 'c', 'clip-2', 'clip-10']);
  });
});

describe("a batch file's mistakes, all at once, by line and key", () => {
  test('every bad line in one refusal, numbered from 1', () => {
    expect(() => readItemsJsonl('{"prompt":"a"}\n\nnope\n[1]\n{"prompt":"b"}\n', 'items.jsonl')).toThrow(
      'items.jsonl:3: not JSON; items.jsonl:4: must be a JSON object',
    );
  });

  test('invalid items are placed by line and key (their own, or the index the batch gives them)', () => {
    const file = readItemsJsonl(
      '{"prompt":"a","key":"x"}\n\n{"prompt":""}\n{"prompt":"c","key":"clip-3","model":"sora-9"}\n',
      'items.jsonl',
    );
    expect(file.lines).toEqual([1, 3, 4]);
    expect(file.items.map(itemKey)).toEqual(['x', '1', 'clip-3']);
    expect(
      describeInputIssues(
        [
          { path: 'items.1.prompt', message: 'must not be empty' },
          { path: 'items.2.model', message: 'must be sora-2 or sora-2-pro' },
          { path: 'budget', message: 'must be positive' },
        ],
        file,
        'items.jsonl',
      ),
    ).toEqual([
      '  items.jsonl:3 (key "1", items.1.prompt): must not be empty',
      '  items.jsonl:4 (key "clip-3", items.2.model): must be sora-2 or sora-2-pro',
      '  budget: must be positive',
    ]);
  });
});

describe('saved names', () => {
  test('a batch item is <batch>@<key>.mp4, never %2F; other ids keep their names', () => {
    expect(savedFileName('launch-1/clip-01')).toBe('launch-1@clip-01.mp4');
    expect(savedFileName('sora2-1b2c')).toBe('sora2-1b2c.mp4');
    expect(savedFileName('../../etc/passwd')).toBe('..%2F..%2Fetc%2Fpasswd.mp4');
    expect(savedFileName('a/b/c')).toBe('a%2Fb%2Fc.mp4');
    expect(savedFileName('my batch/k:1')).toBe('my%20batch@k%3A1.mp4');
  });

  test('one name per workflow id: an id with a real "@" cannot take a batch item\'s name', () => {
    const ids = ['launch-1/clip-01', 'launch-1@clip-01', 'launch-1%40clip-01', 'launch-1/clip-01/x', 'launch-1%2Fclip-01'];
    expect(new Set(ids.map(savedFileName)).size).toBe(ids.length);
  });
});

describe('a webhook wait shows the remote status as the last one known', () => {
  const waiting = generationStatus({
    remoteStatus: 'queued',
    nextPollAt: '2026-01-01T00:05:00.000Z',
    completion: {
      webhooks: true,
      style: 'activity-retry',
      expectation: 'built-in',
      completedBy: null,
      webhookEvents: { accepted: 0, duplicate: 0, ignored: 0 },
    },
  });

  test('the --wait line: "last known queued at <when first seen>"', () => {
    let now = Date.parse('2026-01-01T00:00:03.000Z');
    const shown = lastKnownStatus(() => now);
    expect(shown(waiting).remoteStatus).toBe('last known queued at 00:00:03Z');
    now += 60_000;
    expect(shown(waiting).remoteStatus).toBe('last known queued at 00:00:03Z');
    expect(shown({ ...waiting, remoteStatus: 'processing' }).remoteStatus).toBe('last known processing at 00:01:03Z');
    // Polling only (no webhooks): the status is the current one, shown as is.
    expect(shown(generationStatus({ remoteStatus: 'queued' })).remoteStatus).toBe('queued');
  });

  test('status adds a sentence while the webhook is awaited, none otherwise', () => {
    expect(webhookWaitLine(waiting)).toBe("waiting for Rivya's webhook; last known status queued; next status check at 00:05:00Z");
    expect(webhookWaitLine(generationStatus())).toBeUndefined();
  });
});

describe('dev: what it says and checks before starting', () => {
  test('a busy wanted port is said; port 0 (any) is not "busy"', () => {
    expect(portNotices({ port: '7233', uiPort: '8233' }, { port: 41_234, uiPort: 8_233 })).toEqual([
      '  port 7233 is busy (another Temporal server?): this one listens on 41234',
    ]);
    expect(portNotices({ port: '0', uiPort: '0' }, { port: 41_234, uiPort: 41_235 })).toEqual([]);
  });

  test('in memory, runs are lost at Ctrl-C and --db-file is named; with it, where they are kept', () => {
    expect(persistenceNotice(undefined)).toMatch(
      /in memory: every run .* lost at Ctrl-C; keep them with --db-file \.rivya-dev\/temporal\.db/,
    );
    expect(persistenceNotice('runs.db')).toContain(`runs kept in ${join(process.cwd(), 'runs.db')}`);
  });

  test('--credits: a whole number (0 for an empty wallet)', () => {
    expect(creditsOption(undefined)).toBeUndefined();
    expect(creditsOption('0')).toBe(0);
    expect(() => creditsOption('ten')).toThrow('--credits ten: must be a whole number');
  });

  test('a reference that is not an image is refused by its signature, whatever its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rivya-ref-'));
    writeFileSync(join(dir, 'README.png'), '# not an image\n');
    try {
      expect(() => checkReferenceImage(join(dir, 'README.png'), 'README.png')).toThrow(
        '--reference README.png: not a JPEG, PNG or WebP image (checked by its signature, not its name)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
