/**
 * `rivya-sora2 batch --file items.jsonl`: start a batch of generations (one JSON item per line),
 * and with --wait follow it with a live progress bar to a summary table. Exit codes as `generate`:
 * 0 every item succeeded; 1 an item failed, was cancelled or skipped, or the batch failed;
 * 2 invalid input, a budget or wallet that cannot cover the items (nothing started), an id conflict;
 * 130 interrupted (only the waiting stops).
 */
import { randomUUID } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { DEFAULT_SORA2_TASK_QUEUE, Sora2BatchInputError, Sora2WorkflowIdConflictError, startSora2Batch } from '../../../src/client/helpers';
import { Sora2ConfigError } from '../../../src/worker/settings';
import { BATCH_LIMITS, type Sora2BatchInput, type Sora2BatchItem } from '../../../workflows/batch/input';
import type { InputIssue } from '../../../workflows/generation/input';
import { sora2BatchStatusQuery } from '../../../workflows/batch/messages';
import type { Sora2BatchResult } from '../../../workflows/batch/state';
import { batchProgress, summaryTable, SUMMARY_MAX_ROWS } from '../batch-progress';
import {
  batchFailureOf,
  closedBatchOutcome,
  exitCodeOfBatchFailure,
  exitCodeOfResult,
  finalStatusOf,
  formatBatchFailure,
  type BatchFailure,
  type ClosedBatch,
} from '../batch-outcome';
import { ExitCodes } from '../exit-codes';
import { followUntilSettled } from '../follow';
import { printable, printableJson } from '../printable';
import { connectTemporal } from '../reach-temporal';
import { runBatchDryRun } from '../dry-run';

export interface BatchOptions {
  file: string;
  /** The account whose wallet the batch reads and that pays for items naming none. */
  account?: string;
  budget?: string;
  concurrency?: string;
  onFailure?: string;
  onStop?: string;
  saveTo?: string;
  batchId?: string;
  taskQueue: string;
  expectedDuration?: string;
  wait?: boolean;
  json?: boolean;
  /** Check and price every item, read the wallet once (tools/cli/dry-run.ts): nothing started or paid. */
  dryRun?: boolean;
}

/** A mistake in the command line or the file, told before anything starts (exit 2). */
export class BatchUsageError extends Sora2ConfigError {
  override readonly name = 'BatchUsageError';
}

/** The file is read whole, so it is bounded first: the start input itself is capped at 1 MiB of JSON. */
export const MAX_ITEMS_FILE_BYTES = 4 * BATCH_LIMITS.maxInputJsonBytes;

export function readBounded(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new BatchUsageError(`--file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
  }
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    if (!stat.isFile()) throw new BatchUsageError(`--file ${path}: not a regular file`);
    if (size > MAX_ITEMS_FILE_BYTES)
      throw new BatchUsageError(`--file ${path}: ${size} bytes, over ${MAX_ITEMS_FILE_BYTES}; split the batch`);
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The file's items and, for each, the (1-based) line it is on: refusals name the line, not an index. */
export interface ItemsFile {
  items: Sora2BatchItem[];
  lines: number[];
}

/**
 * One JSON object per non-empty line (JSON Lines). Every bad line is named at once, by its number:
 * a file with three mistakes takes one fix, not three runs.
 */
export function readItemsJsonl(text: string, name: string): ItemsFile {
  const items: Sora2BatchItem[] = [];
  const numbers: number[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${name}:${index + 1}: not JSON`);
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${name}:${index + 1}: must be a JSON object`);
      return;
    }
    items.push(value as Sora2BatchItem);
    numbers.push(index + 1);
  });
  if (problems.length > 0) throw new BatchUsageError(problems.join('; '));
  if (items.length === 0) throw new BatchUsageError(`${name}: no items (one JSON object per line, e.g. {"prompt": "a cat"})`);
  if (items.length > BATCH_LIMITS.maxItemsPerStart)
    throw new BatchUsageError(`${name}: ${items.length} items, at most ${BATCH_LIMITS.maxItemsPerStart} per batch`);
  return { items, lines: numbers };
}

/** The items of a JSON Lines file (see readItemsJsonl). */
export function parseItemsJsonl(text: string, name: string): Sora2BatchItem[] {
  return readItemsJsonl(text, name).items;
}

/** An item's key as the batch will give it: its own, else its index (the batch's default). */
export function itemKey(item: Sora2BatchItem, index: number): string {
  return typeof item.key === 'string' ? item.key : String(index);
}

/**
 * The batch's refusal with each item issue placed in the file: `items.jsonl:3 (key "clip-2",
 * items.2.prompt): must not be empty`, every issue at once; settings issues keep their name.
 */
export function describeInputIssues(issues: readonly InputIssue[], file: ItemsFile, name: string): string[] {
  return issues.map((issue) => {
    const match = /^items\.(\d+)(?:\.|$)/.exec(issue.path);
    const index = match ? Number(match[1]) : -1;
    const item = file.items[index];
    if (!item) return `  ${printable(issue.path)}: ${printable(issue.message)}`;
    const where = `${name}:${file.lines[index]} (key ${JSON.stringify(itemKey(item, index))}, ${issue.path})`;
    return `  ${printable(where)}: ${printable(issue.message)}`;
  });
}

function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new BatchUsageError(`${name} ${value}: must be a whole number`);
  return Number(value);
}

function choice<T extends string>(name: string, value: string | undefined, options: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(options as readonly string[]).includes(value)) throw new BatchUsageError(`${name} ${value}: must be ${options.join(' or ')}`);
  return value as T;
}

export function batchInput(options: BatchOptions, items: Sora2BatchItem[]): Sora2BatchInput {
  const budget = integerOption('--budget', options.budget);
  const concurrency = integerOption('--concurrency', options.concurrency);
  const expected = integerOption('--expected-duration', options.expectedDuration);
  const onFailure = choice('--on-failure', options.onFailure, ['continue', 'stop'] as const);
  const onStop = choice('--on-stop', options.onStop, ['finish-running', 'cancel-running'] as const);
  return {
    items,
    ...(expected !== undefined ? { defaults: { polling: { expectedDurationMs: expected * 1000 } } } : {}),
    ...(budget !== undefined ? { budget } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(onFailure ? { onFailure } : {}),
    ...(onStop ? { onStop } : {}),
    ...(options.saveTo ? { save: { to: options.saveTo } } : {}),
    ...(options.account !== undefined ? { account: options.account } : {}),
  };
}

async function waitWithBar(handle: WorkflowHandle, show: boolean): Promise<Sora2BatchResult> {
  const result = handle.result() as Promise<Sora2BatchResult>;
  if (!show) return result;
  const progress = batchProgress();
  try {
    const final = await followUntilSettled(
      result,
      async () => {
        try {
          progress.update(await handle.query(sora2BatchStatusQuery));
        } catch {
          // Not picked up by a worker yet, or just closed: the next tick tells.
        }
      },
      1_000,
    );
    // The last tick may have seen 9 of 10: the bar ends on the result's own counts, above the table.
    progress.update(finalStatusOf(final));
    return final;
  } finally {
    progress.done();
  }
}

/**
 * How long `batch` without --wait watches the start at most: a batch refused at its checks (one
 * wallet read) ends well within it; one that passed them starts a child at once and is left then.
 */
export const START_CHECK_MS = 10_000;
const START_CHECK_EVERY_MS = 250;

/**
 * A batch is refused (over the budget or the wallet, wallet unreadable) by the workflow, after the
 * start call returned. Without --wait the CLI watches briefly: a closed batch is reported with its
 * exit code; one that has started a child (or is still deciding when the time is up) is fine.
 */
async function closedSoonAfterStart(handle: WorkflowHandle, batchId: string): Promise<ClosedBatch | undefined> {
  const until = Date.now() + START_CHECK_MS;
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return closedBatchOutcome(handle, batchId, description.status.name);
    if ((description.raw.pendingChildren ?? []).length > 0 || Date.now() >= until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, START_CHECK_EVERY_MS));
  }
}

function printFailure(failure: BatchFailure, json: boolean | undefined): number {
  if (json) console.log(printableJson(failure));
  for (const line of formatBatchFailure(failure)) console.error(line);
  return exitCodeOfBatchFailure(failure.type);
}

export async function runBatch(options: BatchOptions): Promise<number> {
  // A mistake in the command line or the file (BatchUsageError) reaches main: exit 2, nothing started.
  const file = readItemsJsonl(readBounded(options.file), options.file);
  const input: Sora2BatchInput = batchInput(options, file.items);
  if (options.dryRun) return dryRunBatch(input, file, options);
  const { client, close } = await connectTemporal();
  try {
    const batchId = options.batchId ?? `batch-${randomUUID()}`;
    const handle = await startSora2Batch(client, input, {
      batchId,
      taskQueue: options.taskQueue,
      onWarning: (message) => console.error(`warning: ${printable(message)}`),
    });
    console.error(`started batch ${printable(batchId)} (${input.items!.length} items; children ${printable(batchId)}/<key>)`);
    if (!options.wait) {
      const closed = await closedSoonAfterStart(handle, batchId);
      if (closed?.failure) return printFailure(closed.failure, options.json);
      if (closed) for (const line of closed.lines) console.error(line);
      console.log(printable(batchId));
      return closed ? closed.code : ExitCodes.ok;
    }
    const onInterrupt = () => {
      process.stderr.write('\n');
      console.error(`interrupted: only the waiting stopped; batch ${printable(batchId)} continues on the workers`);
      process.exit(ExitCodes.interrupted);
    };
    process.once('SIGINT', onInterrupt);
    try {
      const result = await waitWithBar(handle, !options.json);
      if (options.json) console.log(printableJson(result));
      else for (const line of summaryTable(result, SUMMARY_MAX_ROWS, input.items!.map(itemKey))) console.log(line);
      return exitCodeOfResult(result);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  } catch (err) {
    if (err instanceof Sora2BatchInputError) {
      console.error(`error: invalid batch input, nothing started (${err.issues.length} issue(s)):`);
      for (const line of describeInputIssues(err.issues, file, options.file)) console.error(line);
      return ExitCodes.invalid;
    }
    if (err instanceof Sora2WorkflowIdConflictError) {
      console.error(`error: ${printable(err.message)} (--batch-id)`);
      return ExitCodes.invalid;
    }
    const failure = batchFailureOf(err);
    if (failure) return printFailure(failure, options.json);
    throw err;
  } finally {
    await close();
  }
}

/** The dry run: a refused input is said as a real `batch` says it (exit 2, each issue on its line). */
async function dryRunBatch(input: Sora2BatchInput, file: ItemsFile, options: BatchOptions): Promise<number> {
  try {
    return await runBatchDryRun(input, options.batchId, options.json === true);
  } catch (err) {
    if (!(err instanceof Sora2BatchInputError)) throw err;
    console.error(`error: invalid batch input, nothing started (${err.issues.length} issue(s)):`);
    for (const line of describeInputIssues(err.issues, file, options.file)) console.error(line);
    return ExitCodes.invalid;
  }
}

export function registerBatch(program: Command): void {
  program
    .command('batch')
    .description('run many generations as one batch: one JSON item per line ({"prompt": …, "params": …, "reference": …, "key": …})')
    .requiredOption('-f, --file <items.jsonl>', 'the items, one JSON object per line')
    .option('--budget <credits>', 'credits the batch may commit (the wallet caps it too); over it, nothing starts')
    .option('--account <name>', "the Rivya account whose wallet is read and that pays for items naming none (an item's own account wins)")
    .option('--concurrency <n>', 'generations in flight at once (default 10)')
    .option('--on-failure <policy>', 'continue (default) or stop starting items after the first failure')
    .option('--on-stop <what>', 'when stopping: finish-running (default) or cancel-running')
    .option('--save-to <dir|s3://bucket/prefix>', "save every video: a directory under the worker's save root, or S3")
    .option('--batch-id <id>', "the batch's identity (children are <id>/<key>); default: a new UUID")
    .option('--task-queue <queue>', 'task queue of the workers', process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE)
    .option('--expected-duration <seconds>', 'how long each task should take: the status checks densify around it')
    .option('-w, --wait', 'follow progress and print a summary table')
    .option(
      '--dry-run',
      "check and price every item and read the wallet once: nothing started or paid (the worker's settings from RIVYA_*)",
    )
    .option('--json', 'with --wait: print the whole result as JSON')
    .action(async (options: BatchOptions) => {
      process.exitCode = await runBatch(options);
    });
}
