/**
 * `rivya-sora2 batch-status`, `batch-add` and `batch-cancel`: an operator looking at and steering a
 * running batch through its status query and validated Updates. A refused Update (invalid items, over
 * the budget, a batch already stopping) is told in the validator's words (exit 2) and has written
 * nothing to the batch's history.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { sora2BatchAddItemsUpdate, sora2BatchCancelRemainingUpdate, sora2BatchStatusQuery } from '../../../workflows/batch/messages';
import { describeBatchStatus } from '../batch-progress';
import { closedBatchOutcome } from '../batch-outcome';
import { ExitCodes } from '../exit-codes';
import { printable, printableJson } from '../printable';
import { connectTemporal } from '../reach-temporal';
import { parseItemsJsonl, readBounded } from './batch';
import { runUpdate, withExitCode } from './operate';

/**
 * A running (or completed) batch answers its status query. A batch that failed (BudgetExceeded,
 * BatchInvalid, WalletUnavailable) stopped before it registered the query: its typed failure is
 * told instead, with the exit code `batch` gave it, never the SDK's "no handler" error.
 */
async function printBatchStatus(batchId: string, json: boolean): Promise<number> {
  const { client, close } = await connectTemporal();
  try {
    const handle = client.workflow.getHandle(batchId);
    const { status: temporalStatus } = await handle.describe();
    if (temporalStatus.name === 'RUNNING' || temporalStatus.name === 'COMPLETED') {
      const status = await handle.query(sora2BatchStatusQuery);
      console.log(json ? printableJson(status) : describeBatchStatus(status));
      return ExitCodes.ok;
    }
    const closed = await closedBatchOutcome(handle, batchId, temporalStatus.name);
    if (json) console.log(printableJson(closed.failure ?? closed.result ?? null));
    else for (const line of closed.lines) console.log(line);
    return closed.code;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    console.error(`error: no batch with workflow id ${printable(batchId)}`);
    return ExitCodes.invalid;
  } finally {
    await close();
  }
}

/** The items to add, read and checked as `batch --file` reads its own; a bad file (BatchUsageError) stops here (exit 2). */
function itemsToAdd(file: string) {
  return parseItemsJsonl(readBounded(file), file);
}

export function registerBatchOperate(program: Command): void {
  program
    .command('batch-status <batchId>')
    .description("a batch's progress: done / running / queued, failures, credits spent and reserved")
    .option('--json', 'print the whole status as JSON')
    .action((batchId: string, options: { json?: boolean }) => withExitCode(() => printBatchStatus(batchId, options.json === true)));
  program
    .command('batch-add <batchId>')
    .description('queue more items on a running batch (refused as a whole if one is invalid or the lot would not fit the budget)')
    .requiredOption('-f, --file <items.jsonl>', 'the items, one JSON object per line, as for `batch`')
    .action((batchId: string, options: { file: string }) =>
      withExitCode(async () => {
        const items = itemsToAdd(options.file);
        return runUpdate(batchId, (handle) => handle.executeUpdate(sora2BatchAddItemsUpdate, { args: [items] }), 'batch');
      }),
    );
  program
    .command('batch-cancel <batchId>')
    .description('start nothing more: queued items are skipped; running ones finish (or are cancelled with --cancel-running)')
    .option('--cancel-running', 'also cancel the running generations (each compensates)')
    .action((batchId: string, options: { cancelRunning?: boolean }) =>
      withExitCode(() =>
        runUpdate(
          batchId,
          (handle) => handle.executeUpdate(sora2BatchCancelRemainingUpdate, { args: [{ cancelRunning: options.cancelRunning === true }] }),
          'batch',
        ),
      ),
    );
}
