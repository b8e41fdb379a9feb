/**
 * `rivya-sora2 extend`, `poll` and `set-polling`: an operator steering a running generation through
 * its validated Updates. A rejected value is told as the workflow's validator words it (exit 2)
 * and has written nothing to the generation's history.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Command } from 'commander';
import {
  sora2ExtendDeadlineUpdate,
  sora2PollNowUpdate,
  sora2SetPollingUpdate,
  type ExtendDeadlineRequest,
  type SetPollingRequest,
} from '../../../workflows/generation/messages';
import { INVALID_OPERATOR_UPDATE } from '../../../workflows/generation/operator-updates';
import { Sora2ConfigError } from '../../../src/worker/settings';
import { inFlagTerms, parseCliDuration } from '../duration';
import { ExitCodes } from '../exit-codes';
import { printable, printableJson } from '../printable';
import { connectTemporal } from '../reach-temporal';

/** A mistake on the command line, told before Temporal is asked anything. */
export class OperateUsageError extends Sora2ConfigError {
  override readonly name = 'OperateUsageError';
}

export function extendRequestOf(options: { by?: string; until?: string }): ExtendDeadlineRequest {
  if ((options.by === undefined) === (options.until === undefined)) throw new OperateUsageError('give exactly one of --by or --until');
  if (options.by !== undefined) return { byMs: parseCliDuration(options.by, '--by') };
  return { until: options.until };
}

export function setPollingRequestOf(options: { min?: string; max?: string; webhooks?: string }): SetPollingRequest {
  const request: SetPollingRequest = {};
  if (options.min !== undefined) request.minIntervalMs = parseCliDuration(options.min, '--min');
  if (options.max !== undefined) request.maxIntervalMs = parseCliDuration(options.max, '--max');
  if (request.minIntervalMs !== undefined && request.maxIntervalMs !== undefined && request.minIntervalMs > request.maxIntervalMs)
    throw new OperateUsageError('--min must not exceed --max');
  if (options.webhooks !== undefined) {
    if (options.webhooks !== 'on' && options.webhooks !== 'off') throw new OperateUsageError('--webhooks takes on or off');
    request.webhooks = options.webhooks === 'on';
  }
  if (Object.keys(request).length === 0) throw new OperateUsageError('give at least one of --min, --max, --webhooks');
  return request;
}

/**
 * Runs one Update on a running generation (or batch: `what` names it) and prints its answer; the
 * exit code says how it went. A validator's refusal is told in its own words, exit 2.
 */
export async function runUpdate(
  workflowId: string,
  call: (handle: WorkflowHandle) => Promise<unknown>,
  what: 'generation' | 'batch' = 'generation',
): Promise<number> {
  const { client, close } = await connectTemporal();
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') {
      console.error(
        `workflow ${printable(workflowId)} is ${printable(description.status.name)}: nothing to change (see \`rivya-sora2 status\`)`,
      );
      return ExitCodes.invalid;
    }
    console.log(printableJson(await call(handle)));
    return ExitCodes.ok;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      console.error(`error: no ${what} with workflow id ${printable(workflowId)}`);
      return ExitCodes.invalid;
    }
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === INVALID_OPERATOR_UPDATE) {
      console.error(`refused: ${printable(inFlagTerms(err.cause.message, FLAG_OF_FIELD))}`);
      return ExitCodes.invalid;
    }
    throw err;
  } finally {
    await close();
  }
}

/** The Update requests' fields, as this command line names them. */
const FLAG_OF_FIELD = { minIntervalMs: '--min', maxIntervalMs: '--max', byMs: '--by' } as const;

/** Runs an action and sets its exit code; a usage mistake (OperateUsageError) reaches main: exit 2. */
export async function withExitCode(action: () => Promise<number>): Promise<void> {
  process.exitCode = await action();
}

export function registerOperate(program: Command): void {
  program
    .command('extend <workflowId>')
    .description("move a running generation's deadline later (never earlier; at most 7 days after its start)")
    .option('--by <duration>', 'add this much: seconds, or with a unit (30m, 2h)')
    .option('--until <iso>', 'set the deadline to this time')
    .action((workflowId: string, options: { by?: string; until?: string }) =>
      withExitCode(async () => {
        const request = extendRequestOf(options);
        return runUpdate(workflowId, (handle) => handle.executeUpdate(sora2ExtendDeadlineUpdate, { args: [request] }));
      }),
    );
  program
    .command('poll <workflowId>')
    .description("check a waiting generation's task now and print the status that check produced")
    .action((workflowId: string) => withExitCode(() => runUpdate(workflowId, (handle) => handle.executeUpdate(sora2PollNowUpdate))));
  program
    .command('set-polling <workflowId>')
    .description("tune a running generation's status checks (same bounds as the input's polling options)")
    .option('--min <duration>', 'densest spacing of checks: seconds, or with a unit (5s)')
    .option('--max <duration>', 'sparsest spacing of checks: seconds, or with a unit (2m)')
    .option('--webhooks <on|off>', 'off: stop waiting for webhooks and check on the dense schedule')
    .action((workflowId: string, options: { min?: string; max?: string; webhooks?: string }) =>
      withExitCode(async () => {
        const request = setPollingRequestOf(options);
        return runUpdate(workflowId, (handle) => handle.executeUpdate(sora2SetPollingUpdate, { args: [request] }));
      }),
    );
}
