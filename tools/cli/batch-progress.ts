/**
 * A batch's progress while `batch --wait` follows it: a live bar (cli-progress) on a terminal,
 * plain lines (only when something changed) when piped — and the summary table at the end.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { BatchItemOutcome, BatchStatus, Sora2BatchResult } from '../../workflows/batch/state';
import { printable as p } from './printable';

/**
 * The batch's credit cap in words: "120" for a budget below the wallet, "the wallet's 99910" when
 * no budget was given (or one at or above the wallet): the cap is then the wallet, not a budget.
 */
export function capOf(credits: Pick<BatchStatus['credits'], 'budget' | 'walletAtStart'>): string {
  if (credits.budget === null) return '';
  return credits.walletAtStart !== null && credits.budget >= credits.walletAtStart
    ? `the wallet's ${credits.budget}`
    : String(credits.budget);
}

/** "12/20 done | 10 ok, 1 failed, 1 skipped | 4 running, 4 queued | 60 credits spent, 24 reserved". */
export function describeBatchStatus(status: BatchStatus): string {
  const { counts, credits } = status;
  const done = counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
  const outcomes = [`${counts.succeeded} ok`, `${counts.failed} failed`];
  if (counts.cancelled > 0) outcomes.push(`${counts.cancelled} cancelled`);
  if (counts.skipped > 0) outcomes.push(`${counts.skipped} skipped`);
  const cap = capOf(credits);
  const budget = cap === '' ? '' : ` of ${cap}`;
  const parts = [
    `${done}/${counts.total} done`,
    outcomes.join(', '),
    `${counts.running} running, ${counts.queued} queued`,
    `${credits.spent} credits spent, ${credits.reserved} reserved${budget}`,
  ];
  if (status.stop) parts.push(status.stop.reason === 'operator' ? 'stopped by an operator' : `stopped: item ${p(status.stop.key)} failed`);
  if (status.phase === 'awaiting-approval' && status.approval)
    parts.unshift(`awaiting approval: ${p(status.approval.priceCredits)} credits (rivya-sora2 approve|reject)`);
  return parts.join(' | ');
}

export interface BatchProgress {
  update(status: BatchStatus): void;
  done(): void;
}

export function batchProgress(stream: NodeJS.WriteStream = process.stderr): BatchProgress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { stream, format: '{bar} {line}', hideCursor: true, barsize: 24, clearOnComplete: false },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(status) {
        const { counts } = status;
        const done = counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
        if (!started) bar.start(counts.total, done, { line: describeBatchStatus(status) });
        else bar.setTotal(counts.total);
        started = true;
        bar.update(done, { line: describeBatchStatus(status) });
      },
      done: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update(status) {
      const line = describeBatchStatus(status);
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    done: () => undefined,
  };
}

/** Rows shown in the summary table; the rest is counted (all of it is in `--json`). */
export const SUMMARY_MAX_ROWS = 50;

function detailOf(item: BatchItemOutcome): string {
  if (item.location) return p(item.location);
  if (item.error) return `${p(item.error.type)}: ${p(item.error.message)}`;
  return '';
}

/**
 * The table printed at the end: failures first (they are what one acts on), then the rest; within
 * each, in the order of the input (`keys`, the file's order), not the order they finished in. Keys
 * not in `keys` (added later by batch-add) follow, in natural order (clip-2 before clip-10).
 */
export function summaryTable(result: Sora2BatchResult, maxRows = SUMMARY_MAX_ROWS, keys: readonly string[] = []): string[] {
  const order: Record<BatchItemOutcome['status'], number> = { failed: 0, cancelled: 1, skipped: 2, succeeded: 3 };
  const position = new Map(keys.map((key, index) => [key, index]));
  const inputOrder = (a: BatchItemOutcome, b: BatchItemOutcome) =>
    (position.get(a.key) ?? Infinity) - (position.get(b.key) ?? Infinity) || a.key.localeCompare(b.key, 'en', { numeric: true });
  const rows = [...result.items].sort((a, b) => order[a.status] - order[b.status] || inputOrder(a, b));
  const shown = rows
    .slice(0, maxRows)
    .map((item) => [p(item.key), item.status, p(item.taskId ?? '-'), String(item.credits), detailOf(item)]);
  const header = ['item', 'outcome', 'task', 'credits', 'saved to / reason'];
  const widths = header.map((title, column) => Math.min(40, Math.max(title.length, ...shown.map((row) => row[column]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const lines = [line(header), line(widths.map((width) => '-'.repeat(width))), ...shown.map(line)];
  if (rows.length > shown.length) lines.push(`… ${rows.length - shown.length} more item(s): --json prints every one`);
  const { counts, credits } = result;
  lines.push(
    `${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.skipped} skipped of ${counts.total}; ` +
      `${credits.spent} credits spent${summaryCap(credits)}; ${(result.timings.totalMs / 1000).toFixed(1)}s`,
  );
  return lines;
}

/** " (budget 120)", " (wallet 99910)" or nothing: which cap the batch ran under. */
function summaryCap(credits: Sora2BatchResult['credits']): string {
  const cap = capOf(credits);
  if (cap === '') return '';
  return cap.startsWith('the wallet') ? ` (wallet ${credits.budget})` : ` (budget ${cap})`;
}
