/**
 * The list of generations, read from Temporal visibility only (never from histories): each run's
 * search attributes (RivyaTaskStatus, RivyaTaskId, RivyaModel, RivyaBatchId, RivyaAccount) and its start and
 * close times. The price comes from the one price table by the recorded model (priceOf).
 *
 * Order without ORDER BY: SQL visibility (the PostgreSQL cluster, the dev server's SQLite) refuses
 * ORDER BY and returns runs in its own order (running first, then by close time). So each page is
 * sorted here, newest start first, within a bounded window: at most `window` matching runs are
 * fetched per page (default 1,000) and the newest `limit` of them are returned. When more match,
 * `windowFull` says so and the order holds only within what was fetched — narrow the query
 * (`since`, `status`, `batch`, `model`, `account`) to make it exact. Pages are keyset pages: the page token
 * holds the last run's start time and run id, and the next page asks `StartTime < that` (plus the
 * runs started in the same millisecond after it), so runs started meanwhile never shift a page.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { RIVYA_ACCOUNT, RIVYA_BATCH_ID, RIVYA_MODEL, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from '../../workflows/common/search-attributes';
import { isSoraModel, priceOf } from '../contract/models';
import { Sora2ConfigError } from '../worker/config-error';
import { SORA2_WORKFLOW_TYPE } from './helpers';

export const LIST_DEFAULT_LIMIT = 20;
export const LIST_MAX_LIMIT = 1_000;
/** Matching runs fetched per page at most: the bound of the client-side sort. */
export const LIST_DEFAULT_WINDOW = 1_000;
export const LIST_MAX_WINDOW = 10_000;

export interface ListSora2GenerationsFilters {
  /** RivyaTaskStatus values (Rivya's, or the documented extra ones such as `workflow_cancelled`). */
  status?: string | readonly string[];
  /** Only runs started at or after this time. */
  since?: Date;
  /** Only the children of this batch (RivyaBatchId). */
  batch?: string;
  /** Only this model (RivyaModel). */
  model?: string;
  /** Only the runs this account paid for (RivyaAccount: set by runs that name an account). */
  account?: string;
  /** Runs per page: default 20, at most 1,000. */
  limit?: number;
  /** The previous page's `nextPageToken`. */
  pageToken?: string;
  /** Matching runs fetched and sorted per page at most (see the module comment). Default 1,000. */
  window?: number;
}

export interface Sora2GenerationSummary {
  workflowId: string;
  runId: string;
  /** Temporal's status of the run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, … */
  executionStatus: string;
  /** RivyaTaskStatus: Rivya's task status, or a documented extra value; null before either exists. */
  status: string | null;
  taskId: string | null;
  model: string | null;
  /** Credits the recorded model costs (priceOf); null when the run has no RivyaModel. */
  price: number | null;
  batchId: string | null;
  /** The account that paid (RivyaAccount); null for the worker's default key. */
  account: string | null;
  startedAt: string;
  closedAt: string | null;
  /** Start to close; for a running one, start to now. */
  durationMs: number;
}

export interface Sora2GenerationPage {
  generations: Sora2GenerationSummary[];
  /** Pass as `pageToken` for the next (older) page; null on the last one. */
  nextPageToken: string | null;
  /** The visibility query that was run. */
  query: string;
  /** More runs matched than the window holds: the page is sorted within the first `window` only. */
  windowFull: boolean;
}

/** Where the previous page stopped: the last run's start (ms) and run id. */
export interface ListCursor {
  startMs: number;
  runId: string;
}

/** A filter, limit or page token the list cannot use: the caller's to fix. */
export class Sora2ListFilterError extends Sora2ConfigError {
  override readonly name = 'Sora2ListFilterError';
}

/** A keyword value inside a visibility query's double quotes. */
function quoted(value: string, what: string): string {
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (value.length === 0 || value.length > 256 || /[\u0000-\u001f\u007f]/.test(value))
    throw new Sora2ListFilterError(`${what}: must be 1 to 256 printable characters`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Pure: the visibility query for the filters and the cursor (no ORDER BY: SQL visibility refuses it). */
export function listQuery(filters: Omit<ListSora2GenerationsFilters, 'limit' | 'pageToken' | 'window'>, cursor?: ListCursor): string {
  const parts = [`WorkflowType = ${quoted(SORA2_WORKFLOW_TYPE, 'type')}`];
  const statuses = filters.status === undefined ? [] : typeof filters.status === 'string' ? [filters.status] : [...filters.status];
  if (statuses.length === 1) parts.push(`${RIVYA_TASK_STATUS.name} = ${quoted(statuses[0]!, 'status')}`);
  else if (statuses.length > 1) parts.push(`${RIVYA_TASK_STATUS.name} IN (${statuses.map((s) => quoted(s, 'status')).join(', ')})`);
  if (filters.model !== undefined) parts.push(`${RIVYA_MODEL.name} = ${quoted(filters.model, 'model')}`);
  if (filters.batch !== undefined) parts.push(`${RIVYA_BATCH_ID.name} = ${quoted(filters.batch, 'batch')}`);
  if (filters.account !== undefined) parts.push(`${RIVYA_ACCOUNT.name} = ${quoted(filters.account, 'account')}`);
  if (filters.since !== undefined) {
    if (Number.isNaN(filters.since.getTime())) throw new Sora2ListFilterError('since: not a valid time');
    parts.push(`StartTime >= "${filters.since.toISOString()}"`);
  }
  // Visibility keeps sub-millisecond start times: "before the next millisecond" keeps the cursor's own
  // millisecond, and the runs of it already shown are dropped by `afterCursor`.
  if (cursor) parts.push(`StartTime < "${new Date(cursor.startMs + 1).toISOString()}"`);
  return parts.join(' AND ');
}

/** Newest start first; the run id breaks ties, so the order (and a cursor in it) is total. */
export function compareNewestFirst(a: ListCursor, b: ListCursor): number {
  if (a.startMs !== b.startMs) return b.startMs - a.startMs;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

/** Whether a run comes after the cursor in that order (was not on an earlier page). */
export function afterCursor(run: ListCursor, cursor: ListCursor | undefined): boolean {
  return cursor === undefined || compareNewestFirst(cursor, run) < 0;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify({ s: cursor.startMs, r: cursor.runId }), 'utf8').toString('base64url');
}

export function decodeCursor(token: string): ListCursor {
  try {
    const { s, r } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; r?: unknown };
    if (typeof s === 'number' && Number.isSafeInteger(s) && typeof r === 'string' && r.length > 0 && r.length <= 100) {
      return { startMs: s, runId: r };
    }
  } catch {
    // falls through to the refusal
  }
  throw new Sora2ListFilterError('page token: not one this list handed out');
}

/**
 * Pure: one page from the runs fetched (any order): those after the cursor, newest first, the first
 * `limit`; a next token when more remain (fetched here, or beyond a full window).
 */
export function pageOf<T extends ListCursor>(
  fetched: readonly T[],
  limit: number,
  cursor: ListCursor | undefined,
  windowFull: boolean,
): { page: T[]; next: ListCursor | null } {
  const sorted = fetched.filter((run) => afterCursor(run, cursor)).sort(compareNewestFirst);
  const page = sorted.slice(0, limit);
  const more = sorted.length > limit || (windowFull && page.length > 0);
  return { page, next: more ? page[page.length - 1]! : null };
}

function summaryOf(info: WorkflowExecutionInfo, nowMs: number): Sora2GenerationSummary & ListCursor {
  const attributes = info.typedSearchAttributes;
  const model = attributes.get(RIVYA_MODEL) ?? null;
  const startMs = info.startTime.getTime();
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    executionStatus: info.status.name,
    status: attributes.get(RIVYA_TASK_STATUS) ?? null,
    taskId: attributes.get(RIVYA_TASK_ID) ?? null,
    model,
    price: model !== null && isSoraModel(model) ? priceOf(model) : null,
    batchId: attributes.get(RIVYA_BATCH_ID) ?? null,
    account: attributes.get(RIVYA_ACCOUNT) ?? null,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    durationMs: (info.closeTime?.getTime() ?? nowMs) - startMs,
    startMs,
  };
}

/** The summary as handed out: the sort key's milliseconds stay internal (startedAt says the same). */
function withoutCursorFields(run: Sora2GenerationSummary & ListCursor): Sora2GenerationSummary {
  const summary: Partial<ListCursor> & Sora2GenerationSummary = { ...run };
  delete summary.startMs;
  return summary;
}

function boundedInteger(value: number | undefined, fallback: number, max: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Sora2ListFilterError(`${what}: must be a whole number from 1 to ${max}`);
  return value;
}

/** One page of generations, newest start first (see the module comment for the order's bound). */
export async function listSora2Generations(client: Client, filters: ListSora2GenerationsFilters = {}): Promise<Sora2GenerationPage> {
  const limit = boundedInteger(filters.limit, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, 'limit');
  const window = Math.max(limit + 1, boundedInteger(filters.window, LIST_DEFAULT_WINDOW, LIST_MAX_WINDOW, 'window'));
  const cursor = filters.pageToken === undefined ? undefined : decodeCursor(filters.pageToken);
  const query = listQuery(filters, cursor);
  const nowMs = Date.now();
  const fetched: Array<Sora2GenerationSummary & ListCursor> = [];
  let windowFull = false;
  for await (const info of client.workflow.list({ query, pageSize: Math.min(window, 1_000) })) {
    if (fetched.length === window) {
      windowFull = true;
      break;
    }
    fetched.push(summaryOf(info, nowMs));
  }
  const { page, next } = pageOf(fetched, limit, cursor, windowFull);
  return {
    generations: page.map(withoutCursorFields),
    nextPageToken: next ? encodeCursor(next) : null,
    query,
    windowFull,
  };
}
