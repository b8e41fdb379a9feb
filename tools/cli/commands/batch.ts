/**
 * `rivya-sora2 batch --file items.jsonl`: start a batch of generations (one JSON item per line),
 * and with --wait follow it with a live progress bar to a summary table. Exit codes as `generate`:
 * 0 every item succeeded; 1 an item failed, was cancelled or skipped, or the batch failed;
 * 2 invalid input, a budget or wallet that cannot cover the items (nothing started), an id conflict;
 * 130 interrupted (only the waiting stops).
 */
import { randomUUID } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Command } from 'commander';
import { DEFAULT_SORA2_TASK_QUEUE, Sora2BatchInputError, Sora2WorkflowIdConflictError, startSora2Batch } from '../../../src/client/helpers';
import { Sora2ConfigError } from '../../../src/worker/settings';
import { BATCH_LIMITS, type Sora2BatchInput, type Sora2BatchItem } from '../../../workflows/batch/input';
import { BatchFailureTypes } from '../../../workflows/batch/failures';
import { sora2BatchStatusQuery } from '../../../workflows/batch/messages';
import type { Sora2BatchResult } from '../../../workflows/batch/state';
import { batchProgress, summaryTable } from '../batch-progress';
import { ExitCodes } from '../exit-codes';
import { followUntilSettled } from '../follow';
import { printable, printableJson } from '../printable';
import { connectTemporal } from '../reach-temporal';

export interface BatchOptions {
  file: string;
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

/** One JSON object per non-empty line (JSON Lines); a bad line is named by its number. */
export function parseItemsJsonl(text: string, name: string): Sora2BatchItem[] {
  const items: Sora2BatchItem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new BatchUsageError(`${name}:${index + 1}: not JSON`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new BatchUsageError(`${name}:${index + 1}: must be a JSON object`);
    items.push(value as Sora2BatchItem);
  });
  if (items.length === 0) throw new BatchUsageError(`${name}: no items (one JSON object per line, e.g. {"prompt": "a cat"})`);
  if (items.length > BATCH_LIMITS.maxItemsPerStart)
    throw new BatchUsageError(`${name}: ${items.length} items, at most ${BATCH_LIMITS.maxItemsPerStart} per batch`);
  return items;
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
  };
}

/** 0 when every item succeeded, else 1: the table says which did not. */
export function exitCodeOfResult(result: Sora2BatchResult): number {
  return result.counts.succeeded === result.counts.total ? ExitCodes.ok : ExitCodes.failed;
}

/** Nothing started (invalid, over the budget or the wallet): the caller's to fix, 2; any other end of the batch, 1. */
export function exitCodeOfBatchFailure(type: string): number {
  return type === BatchFailureTypes.BatchInvalid || type === BatchFailureTypes.BudgetExceeded ? ExitCodes.invalid : ExitCodes.failed;
}

async function waitWithBar(handle: WorkflowHandle, show: boolean): Promise<Sora2BatchResult> {
  const result = handle.result() as Promise<Sora2BatchResult>;
  if (!show) return result;
  const progress = batchProgress();
  try {
    return await followUntilSettled(
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
  } finally {
    progress.done();
  }
}

export async function runBatch(options: BatchOptions): Promise<number> {
  // A mistake in the command line or the file (BatchUsageError) reaches main: exit 2, nothing started.
  const input: Sora2BatchInput = batchInput(options, parseItemsJsonl(readBounded(options.file), options.file));
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
      console.log(printable(batchId));
      return ExitCodes.ok;
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
      else for (const line of summaryTable(result)) console.log(line);
      return exitCodeOfResult(result);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  } catch (err) {
    if (err instanceof Sora2BatchInputError || err instanceof Sora2WorkflowIdConflictError) {
      console.error(`error: ${printable(err.message)}`);
      return ExitCodes.invalid;
    }
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type) {
      if (options.json)
        console.log(printableJson({ type: err.cause.type, message: err.cause.message, details: err.cause.details?.[0] ?? null }));
      console.error(`failed: ${printable(err.cause.type)}: ${printable(err.cause.message)}`);
      return exitCodeOfBatchFailure(err.cause.type);
    }
    throw err;
  } finally {
    await close();
  }
}

export function registerBatch(program: Command): void {
  program
    .command('batch')
    .description('run many generations as one batch: one JSON item per line ({"prompt": …, "params": …, "reference": …, "key": …})')
    .requiredOption('-f, --file <items.jsonl>', 'the items, one JSON object per line')
    .option('--budget <credits>', 'credits the batch may commit (the wallet caps it too); over it, nothing starts')
    .option('--concurrency <n>', 'generations in flight at once (default 10)')
    .option('--on-failure <policy>', 'continue (default) or stop starting items after the first failure')
    .option('--on-stop <what>', 'when stopping: finish-running (default) or cancel-running')
    .option('--save-to <dir|s3://bucket/prefix>', "save every video: a directory under the worker's save root, or S3")
    .option('--batch-id <id>', "the batch's identity (children are <id>/<key>); default: a new UUID")
    .option('--task-queue <queue>', 'task queue of the workers', process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE)
    .option('--expected-duration <seconds>', 'how long each task should take: the status checks densify around it')
    .option('-w, --wait', 'follow progress and print a summary table')
    .option('--json', 'with --wait: print the whole result as JSON')
    .action(async (options: BatchOptions) => {
      process.exitCode = await runBatch(options);
    });
}
