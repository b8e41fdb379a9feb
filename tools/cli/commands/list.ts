/**
 * `rivya-sora2 list`: recent generations from Temporal visibility (src/client/list-generations.ts),
 * newest start first, a page at a time. Filters by status, start time, batch, model and account; --json for
 * scripts; --next <token> for the next page (printed under the table).
 */
import type { Command } from 'commander';
import {
  LIST_DEFAULT_LIMIT,
  listSora2Generations,
  type ListSora2GenerationsFilters,
  type Sora2GenerationPage,
  type Sora2GenerationSummary,
} from '../../../src/client/list-generations';
import { Sora2ConfigError } from '../../../src/worker/settings';
import { parseCliDuration } from '../duration';
import { ExitCodes } from '../exit-codes';
import { printable, printableJson } from '../printable';
import { connectTemporal } from '../reach-temporal';

export interface ListOptions {
  status?: string;
  since?: string;
  batch?: string;
  model?: string;
  account?: string;
  limit?: string;
  next?: string;
  window?: string;
  json?: boolean;
}

export class ListUsageError extends Sora2ConfigError {
  override readonly name = 'ListUsageError';
}

/** `--since 2h` (a duration back from now) or `--since 2026-12-07T10:00:00Z` (a time). */
export function parseSince(text: string, nowMs: number = Date.now()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const at = new Date(text.trim());
    if (Number.isNaN(at.getTime())) throw new ListUsageError(`--since ${printable(text)}: not a valid time (2026-12-07T10:00:00Z)`);
    return at;
  }
  return new Date(nowMs - parseCliDuration(text, '--since'));
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new ListUsageError(`${flag} ${printable(text)}: must be a whole number`);
  return Number(text);
}

export function listFilters(options: ListOptions, nowMs: number = Date.now()): ListSora2GenerationsFilters {
  const statuses = options.status
    ?.split(',')
    .map((status) => status.trim())
    .filter(Boolean);
  return {
    ...(statuses?.length ? { status: statuses } : {}),
    ...(options.since !== undefined ? { since: parseSince(options.since, nowMs) } : {}),
    ...(options.batch !== undefined ? { batch: options.batch } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.account !== undefined ? { account: options.account } : {}),
    ...(options.limit !== undefined ? { limit: wholeNumber('--limit', options.limit) } : {}),
    ...(options.window !== undefined ? { window: wholeNumber('--window', options.window) } : {}),
    ...(options.next !== undefined ? { pageToken: options.next } : {}),
  };
}

function seconds(ms: number): string {
  return ms >= 3600_000 ? `${(ms / 3600_000).toFixed(1)}h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)}m` : `${(ms / 1000).toFixed(1)}s`;
}

/** The status column: Rivya's (or the documented extra value), else what Temporal says of the run. */
function statusOf(run: Sora2GenerationSummary): string {
  if (run.status) return run.status;
  return run.executionStatus === 'RUNNING' ? 'no task yet' : run.executionStatus.toLowerCase();
}

const COLUMNS = ['STARTED', 'STATUS', 'MODEL', 'PRICE', 'DURATION', 'TASK', 'BATCH', 'ACCOUNT', 'WORKFLOW ID'] as const;

/** The table, padded; every value from Temporal (ids, statuses) made printable. */
export function formatPage(page: Sora2GenerationPage): string[] {
  const rows = page.generations.map((run) => [
    run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    statusOf(run),
    run.model ?? '-',
    run.price === null ? '-' : String(run.price),
    `${seconds(run.durationMs)}${run.closedAt ? '' : '+'}`,
    run.taskId ?? '-',
    run.batchId ?? '-',
    run.account ?? '-',
    run.workflowId,
  ]);
  const table = [[...COLUMNS], ...rows].map((row) => row.map((cell) => printable(cell)));
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  if (page.generations.length === 0) lines.push('(no generations match)');
  if (page.windowFull)
    lines.push('note: more runs match than one page fetches; the order holds within those fetched — narrow with --since');
  if (page.nextPageToken) lines.push(`more: rivya-sora2 list ... --next ${page.nextPageToken}`);
  return lines;
}

export async function runList(options: ListOptions): Promise<number> {
  const filters = listFilters(options);
  const { client, close } = await connectTemporal();
  try {
    const page = await listSora2Generations(client, filters);
    if (options.json) console.log(printableJson(page));
    else for (const line of formatPage(page)) console.log(line);
    return ExitCodes.ok;
  } finally {
    await close();
  }
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('recent generations from Temporal visibility, newest first: status, task, model, price, duration, batch')
    .option('--status <statuses>', 'RivyaTaskStatus values, comma-separated (queued, processing, succeeded, failed, workflow_cancelled, …)')
    .option('--since <duration|time>', 'started within this long (2h, 1d) or since this time (2026-12-07T10:00:00Z)')
    .option('--batch <batchId>', "only this batch's generations")
    .option('--model <model>', 'only this model')
    .option('--account <name>', 'only the generations this account paid for (RivyaAccount)')
    .option('--limit <n>', `generations per page (default ${LIST_DEFAULT_LIMIT}, at most 1000)`)
    .option('--next <token>', 'the next page: the token printed under the previous one')
    .option('--window <n>', 'matching runs fetched and sorted per page at most (default 1000)')
    .option('--json', 'print the page as JSON (generations, nextPageToken, query, windowFull)')
    .action(async (options: ListOptions) => {
      process.exitCode = await runList(options);
    });
}
