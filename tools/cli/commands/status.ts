/** `rivya-sora2 status` and `rivya-sora2 cancel`: look at or stop one generation. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { FailureTypes } from '../../../workflows/common/failures';
import { sora2StatusQuery } from '../../../workflows/generation/messages';
import { generationFailureOf } from '../../../src/client/generation-failure';
import { ExitCodes } from '../exit-codes';
import { exitCodeOf, formatFailure, outcomeOf } from '../failure-report';
import { printable, printableJson } from '../printable';
import { activityRetriesOf, describeRetry, describeWait, isStatusCheckWait } from '../progress';
import { connectTemporal } from '../reach-temporal';
import { SORA2_BATCH_WORKFLOW_TYPE } from '../../../src/client/helpers';
import { sora2BatchStatusQuery } from '../../../workflows/batch/messages';
import { describeBatchStatus } from '../batch-progress';
import { describeEta, etaAt } from '../../../workflows/generation/eta';
import type { GenerationStatus } from '../../../workflows/generation/messages';
import { closedBatchOutcome } from '../batch-outcome';
import { webhookWaitLine } from '../webhook-wait';

/** The closed run's outcome as printed lines and the exit code `status` gives it (same words as `cancel`). */
async function closedOutcome(client: Client, workflowId: string): Promise<{ lines: string[]; code: number; cancelled: boolean }> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const result = await handle.result();
    return {
      lines: [`workflow ${printable(workflowId)}: succeeded (Temporal status COMPLETED)`, printableJson(result)],
      code: ExitCodes.ok,
      cancelled: false,
    };
  } catch (err) {
    const report = generationFailureOf(err);
    if (!report) throw err;
    const description = await handle.describe();
    return {
      lines: [
        `workflow ${printable(workflowId)}: ${outcomeOf(report)} (Temporal status ${printable(description.status.name)})`,
        ...formatFailure(report),
      ],
      code: exitCodeOf(report),
      cancelled: report.type === FailureTypes.GenerationCancelled,
    };
  }
}

/** A pending approval gate (with the price and how to decide), and the ETA while the task runs. */
function approvalAndEtaLines(workflowId: string, status: GenerationStatus): string[] {
  const lines: string[] = [];
  const approval = status.approval;
  if (approval?.state === 'pending' && status.phase === 'awaiting-approval')
    lines.push(
      `awaiting approval: ${approval.priceCredits} credits; times out at ${approval.timeoutAt ?? 'unknown'} — rivya-sora2 approve ${workflowId} | rivya-sora2 reject ${workflowId} --reason …`,
    );
  if (status.eta && status.phase === 'polling') lines.push(describeEta(etaAt(status.eta, Date.now())));
  return lines;
}

function notFound(workflowId: string): number {
  console.error(`error: no generation with workflow id ${printable(workflowId)}`);
  return ExitCodes.invalid;
}

type GenerationHandle = ReturnType<Client['workflow']['getHandle']>;
type GenerationDescription = Awaited<ReturnType<GenerationHandle['describe']>>;

/** Connects, describes the generation and hands both to `use`; no such generation is exit 2. */
async function withGeneration(
  workflowId: string,
  use: (client: Client, handle: GenerationHandle, description: GenerationDescription) => Promise<number>,
): Promise<number> {
  const { client, close } = await connectTemporal();
  try {
    const handle = client.workflow.getHandle(workflowId);
    return await use(client, handle, await handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return notFound(workflowId);
    throw err;
  } finally {
    await close();
  }
}

/**
 * Running: the live status (the workflow's query) plus the server's pending retries, which the
 * workflow cannot see. Closed: the result (0) or the typed failure (1; 2 for invalid input).
 */
export async function runStatus(workflowId: string): Promise<number> {
  return withGeneration(workflowId, async (client, handle, description) => {
    if (description.type === SORA2_BATCH_WORKFLOW_TYPE) return batchStatus(workflowId, handle, description);
    if (description.status.name === 'RUNNING') {
      console.log(`workflow ${printable(workflowId)}: RUNNING`);
      // The wait by status checks is pending retries too, but a healthy one: said as a wait, not a failure.
      const pending = activityRetriesOf(description);
      const waiting = pending.find(isStatusCheckWait);
      const retrying = pending.filter((retry) => retry !== waiting);
      const status = await handle.query(sora2StatusQuery);
      console.log(printableJson({ ...status, ...(retrying.length ? { retrying } : {}) }));
      if (waiting) console.log(describeWait(waiting));
      for (const retry of retrying) console.log(describeRetry(retry));
      const webhookWait = webhookWaitLine(status);
      if (webhookWait) console.log(printable(webhookWait));
      for (const line of approvalAndEtaLines(workflowId, status)) console.log(printable(line));
      return ExitCodes.ok;
    }
    const outcome = await closedOutcome(client, workflowId);
    for (const line of outcome.lines) console.log(line);
    return outcome.code;
  });
}

/**
 * `status` given a batch's id: its progress while running; closed, how it ended with its counts
 * (an operator's cancel returns a result, yet is no success) or its typed failure, and the exit
 * code `batch --wait` would have given.
 */
async function batchStatus(batchId: string, handle: GenerationHandle, description: GenerationDescription): Promise<number> {
  if (description.status.name === 'RUNNING') {
    console.log(`batch ${printable(batchId)}: RUNNING`);
    console.log(describeBatchStatus(await handle.query(sora2BatchStatusQuery)));
    return ExitCodes.ok;
  }
  const closed = await closedBatchOutcome(handle, batchId, description.status.name);
  for (const line of closed.lines) console.log(line);
  return closed.code;
}

/**
 * Cancels a running generation and reports how it ended (0 when it ended cancelled). A generation
 * that had already finished (or finished before the cancel landed) is said to be so first, with its
 * outcome, and exits 2: nothing was cancelled.
 */
export async function runCancel(workflowId: string): Promise<number> {
  return withGeneration(workflowId, async (client, handle, described) => {
    let description = described;
    if (description.status.name === 'RUNNING') {
      try {
        await handle.cancel();
      } catch (err) {
        // It closed between describe and cancel: report it as already finished.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        description = await handle.describe();
      }
    }
    if (description.status.name !== 'RUNNING') {
      console.error(`workflow ${printable(workflowId)} had already finished; nothing to cancel`);
      for (const line of (await closedOutcome(client, workflowId)).lines) console.log(line);
      return ExitCodes.invalid;
    }
    console.error(`cancel requested for ${printable(workflowId)}; waiting for compensation to finish`);
    const outcome = await closedOutcome(client, workflowId);
    for (const line of outcome.lines) console.log(line);
    if (outcome.cancelled) return ExitCodes.ok;
    // It ended otherwise before the cancel landed (succeeded, failed): nothing was cancelled.
    console.error(`workflow ${printable(workflowId)} finished before the cancel took effect; nothing was cancelled`);
    return ExitCodes.invalid;
  });
}

export function registerStatusAndCancel(program: Command): void {
  program
    .command('status <workflowId>')
    .description('show a generation (or a batch): live status (and retries) while running, result or typed failure when closed')
    .action(async (workflowId: string) => {
      process.exitCode = await runStatus(workflowId);
    });
  program
    .command('cancel <workflowId>')
    .description('cancel a generation (Rivya has no cancel endpoint: the remote task keeps running and is reported)')
    .action(async (workflowId: string) => {
      process.exitCode = await runCancel(workflowId);
    });
}
