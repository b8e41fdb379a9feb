/**
 * Live progress while waiting: one rewritten line on a terminal, plain lines (only on change)
 * when piped — logs and CI stay readable.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { TASK_NOT_FINISHED_ERROR_TYPE } from '../../workflows/common/activity-contract';
import type { GenerationStatus } from '../../workflows/generation/messages';
import { printable } from './printable';
import { describeEta, etaAt } from '../../workflows/generation/eta';

/**
 * An activity the server is retrying: its attempt, why the last one failed, when the next one is.
 * Retries add no history events, so neither the workflow nor its status query sees them; the
 * server's pending-activity info (describe) does.
 */
export interface ActivityRetry {
  activityType: string;
  attempt: number;
  lastFailure: string | null;
  /** The last failure's ApplicationFailure type, when it has one. */
  lastFailureType?: string | null;
  nextAttemptAt: string | null;
  /** The retries' bound: the attempt ceiling (0: none) and when the server gives up (scheduleToClose). */
  maximumAttempts?: number;
  expiresAt?: string | null;
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

function timestampToIso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const ms = Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

/** The pending activities that have failed at least once (attempt > 1 or a last failure), from `handle.describe()`. */
export function activityRetriesOf(description: Pick<WorkflowExecutionDescription, 'raw'>): ActivityRetry[] {
  const pending: PendingActivity[] = description.raw.pendingActivities ?? [];
  return pending
    .filter((activity) => (activity.attempt ?? 1) > 1 || activity.lastFailure)
    .map((activity) => ({
      activityType: activity.activityType?.name ?? 'activity',
      attempt: activity.attempt ?? 1,
      lastFailure: activity.lastFailure?.message ?? null,
      lastFailureType: activity.lastFailure?.applicationFailureInfo?.type ?? null,
      nextAttemptAt: timestampToIso(activity.nextAttemptScheduleTime as never),
      maximumAttempts: activity.maximumAttempts ?? 0,
      expiresAt: timestampToIso(activity.expirationTime as never),
    }));
}

/** "in 3s" (rounded up, never negative): when an ISO time is, seen from `nowMs`. */
function inSeconds(iso: string, nowMs: number): string {
  return `in ${Math.max(0, Math.ceil((Date.parse(iso) - nowMs) / 1000))}s`;
}

export interface DescribeOptions {
  /** Pending retries from the server (activityRetriesOf). */
  retries?: readonly ActivityRetry[];
  /** Clock for the relative times. Default: Date.now(). */
  nowMs?: number;
  /** Absolute times (HH:MM:SSZ) instead of "in Ns": for plain output, where a line repeats only on change. */
  absoluteTimes?: boolean;
}

function when(iso: string, options: DescribeOptions): string {
  if (Number.isNaN(Date.parse(iso))) return printable(iso);
  return options.absoluteTimes ? `at ${new Date(iso).toISOString().slice(11, 19)}Z` : inSeconds(iso, options.nowMs ?? Date.now());
}

/** The wait by status checks as words: "waiting (next check in 42s): task still running after 3 checks; …". */
export function describeWait(wait: ActivityRetry, options: DescribeOptions = {}): string {
  const next = wait.nextAttemptAt ? ` (next check ${when(wait.nextAttemptAt, options)})` : '';
  return `waiting${next}${wait.lastFailure ? `: ${printable(wait.lastFailure)}` : ''}`;
}

/** One retry as words: "create retrying: attempt 16, last failure: ECONNREFUSED, next attempt in 30s". */
export function describeRetry(retry: ActivityRetry, options: DescribeOptions = {}): string {
  const ceiling = retry.maximumAttempts ? ` of ${printable(retry.maximumAttempts)}` : '';
  const parts = [`${printable(retry.activityType)} retrying: attempt ${printable(retry.attempt)}${ceiling}`];
  if (retry.lastFailure) parts.push(`last failure: ${printable(retry.lastFailure)}`);
  if (retry.nextAttemptAt) parts.push(`next attempt ${when(retry.nextAttemptAt, options)}`);
  // The bound the server enforces: how long this can go on before the generation fails.
  if (retry.expiresAt) parts.push(`gives up ${when(retry.expiresAt, options)}`);
  return parts.join(', ');
}

/**
 * The wait by retries, read from the server: each retry of rivyaAwaitGeneration that failed
 * "not finished yet" is one status check, not a problem (its first attempt only schedules).
 */
export function isStatusCheckWait(retry: ActivityRetry): boolean {
  return retry.activityType === 'rivyaAwaitGeneration' && retry.lastFailureType === TASK_NOT_FINISHED_ERROR_TYPE;
}

/** A piece of the progress line; when the terminal is too narrow the lowest `keep` goes first. */
interface LinePart {
  text: string;
  keep: number;
}

/** The progress line's pieces; the status comes from the workflow (task id, remote status, errors from Rivya): all printable. */
function statusParts(status: GenerationStatus, elapsedMs: number, options: DescribeOptions): LinePart[] {
  const parts: LinePart[] = [{ text: `phase ${printable(status.phase)}`, keep: 9 }];
  if (status.taskId) parts.push({ text: `task ${printable(status.taskId)} ${printable(status.remoteStatus ?? '')}`.trim(), keep: 6 });
  if (status.phase === 'awaiting-approval' && status.approval)
    parts.push({ text: `awaiting approval: ${printable(status.approval.priceCredits)} credits (rivya-sora2 approve|reject)`, keep: 8 });
  if (status.eta && status.phase === 'polling') {
    // A terminal recomputes for its own clock (the workflow's figure is as of its latest step);
    // plain output keeps the workflow's, so a line repeats only when a check or webhook moved it.
    const eta = options.absoluteTimes ? status.eta : etaAt(status.eta, options.nowMs ?? Date.now());
    parts.push({ text: printable(describeEta(eta)), keep: 5 });
  }
  const retries = options.retries ?? [];
  const wait = retries.find(isStatusCheckWait);
  // Attempt N pending: attempt 1 only scheduled the first check, and N itself has not answered yet.
  parts.push({ text: `polls ${printable(status.polls + (wait ? Math.max(0, wait.attempt - 2) : 0))}`, keep: 2 });
  const nextCheck = status.nextPollAt ?? wait?.nextAttemptAt ?? null;
  if (nextCheck) parts.push({ text: `next check ${when(nextCheck, options)}`, keep: 7 });
  if (status.completion?.webhooks && status.completion.completedBy === null && status.phase === 'polling')
    parts.push({ text: "waiting for Rivya's webhook", keep: 5 });
  parts.push({ text: `elapsed ${(elapsedMs / 1000).toFixed(0)}s`, keep: 8 });
  for (const retry of retries) if (retry !== wait) parts.push({ text: describeRetry(retry, options), keep: 4 });
  if (status.lastError) parts.push({ text: `last error: ${printable(status.lastError)}`, keep: 3 });
  return parts;
}

const SEPARATOR = ' | ';

/**
 * The parts joined, fitted to `width` columns: the least useful parts are dropped first (poll
 * count, last error, retries…), and what still does not fit is cut with an ellipsis — one line
 * that a carriage return can redraw, never a wrapped one.
 */
export function fitLine(parts: readonly LinePart[], width: number): string {
  const kept = [...parts];
  const join = () => kept.map((part) => part.text).join(SEPARATOR);
  while ([...join()].length > width && kept.length > 1) {
    const weakest = kept.reduce((low, part) => (part.keep < low.keep ? part : low));
    kept.splice(kept.indexOf(weakest), 1);
  }
  const chars = [...join()];
  return chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…` : chars.join('');
}

/** One progress line, whole (plain output) or fitted to `width` columns (a terminal). */
export function describeStatus(status: GenerationStatus, elapsedMs: number, options: DescribeOptions & { width?: number } = {}): string {
  const parts = statusParts(status, elapsedMs, options);
  return options.width === undefined ? parts.map((part) => part.text).join(SEPARATOR) : fitLine(parts, options.width);
}

export interface ProgressWriter {
  update(status: GenerationStatus, elapsedMs: number, retries?: readonly ActivityRetry[]): void;
  done(): void;
}

export function progressWriter(stream: NodeJS.WriteStream = process.stderr): ProgressWriter {
  if (stream.isTTY) {
    return {
      // One column short of the width: a line that fills the last column wraps on some terminals.
      update: (status, elapsedMs, retries) =>
        stream.write(`\r\x1b[2K${describeStatus(status, elapsedMs, { retries, width: Math.max(20, (stream.columns || 80) - 1) })}`),
      done: () => stream.write('\n'),
    };
  }
  let last = '';
  return {
    update(status, _elapsedMs, retries) {
      // Plain mode prints a line only when something other than the clock changed.
      const line = describeStatus(status, 0, { retries, absoluteTimes: true }).replace(/ \| elapsed \d+s/, '');
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    done: () => undefined,
  };
}
