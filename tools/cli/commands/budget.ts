/**
 * `rivya-sora2 budget show|set|top-up <name>`: an operator reading and changing an account budget
 * (workflows/budget/) through its query and validated Updates. `set` and `top-up` start the budget
 * if it does not exist yet; a refused value is told in the validator's words (exit 2).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Command } from 'commander';
import { getSora2Budget, setSora2BudgetCap, topUpSora2Budget } from '../../../src/client/budget';
import { DEFAULT_SORA2_TASK_QUEUE } from '../../../src/client/helpers';
import { BUDGET_NAME_PATTERN } from '../../../workflows/budget/input';
import { INVALID_BUDGET_UPDATE, type BudgetState } from '../../../workflows/budget/messages';
import { ExitCodes } from '../exit-codes';
import { printable, printableJson } from '../printable';
import { connectTemporal } from '../reach-temporal';
import { OperateUsageError, withExitCode } from './operate';

/** A whole number of credits from the command line, or a usage error (exit 2) before Temporal is asked. */
export function creditsArgument(text: string, what: string, allowZero: boolean): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1))
    throw new OperateUsageError(
      `${what} must be a ${allowZero ? 'non-negative' : 'positive'} whole number of credits, got ${printable(text)}`,
    );
  return value;
}

function checkedName(name: string): string {
  if (!BUDGET_NAME_PATTERN.test(name))
    throw new OperateUsageError('a budget name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return name;
}

/** The budget in a few lines: cap, spent, held, available, and what holds credits. */
export function describeBudget(state: BudgetState): string {
  const lines = [
    `budget ${state.name}: ${state.available} of ${state.cap} credits available (${state.spent} spent, ${state.held} held by ${state.leases} lease${state.leases === 1 ? '' : 's'})`,
    `  ${state.granted} leases granted, ${state.refundedCredits} credits refunded by Rivya; run ${state.run} (${state.updatesThisRun} updates in this run)`,
  ];
  for (const lease of state.oldestLeases.slice(0, 10))
    lines.push(
      `  ${lease.state.padEnd(9)} ${String(lease.credits).padStart(5)}  ${printable(lease.leaseId)}${lease.taskId ? ` (task ${printable(lease.taskId)})` : ''} since ${lease.since}`,
    );
  if (state.leases > 10) lines.push(`  … ${state.leases - 10} more`);
  return lines.join('\n');
}

async function withBudget(
  json: boolean,
  call: (client: Awaited<ReturnType<typeof connectTemporal>>['client']) => Promise<BudgetState | null>,
  name: string,
): Promise<number> {
  const { client, close } = await connectTemporal();
  try {
    const state = await call(client);
    if (!state) {
      console.error(`error: no budget named ${printable(name)} (start one with \`rivya-sora2 budget set ${printable(name)} <credits>\`)`);
      return ExitCodes.invalid;
    }
    console.log(json ? printableJson(state) : describeBudget(state));
    return ExitCodes.ok;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === INVALID_BUDGET_UPDATE) {
      console.error(`refused: ${printable(err.cause.message)}`);
      return ExitCodes.invalid;
    }
    throw err;
  } finally {
    await close();
  }
}

export function registerBudget(program: Command): void {
  const budget = program
    .command('budget')
    .description('account-wide spend caps: leased before each paid create, across generations and batches');
  const taskQueue = process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE;
  budget
    .command('show <name>')
    .description("a budget's cap, spent, held and available credits, and the oldest leases")
    .option('--json', 'print the whole state as JSON')
    .action((name: string, options: { json?: boolean }) =>
      withExitCode(() => withBudget(options.json === true, (client) => getSora2Budget(client, checkedName(name)), name)),
    );
  budget
    .command('set <name> <credits>')
    .description('set the cap (starts the budget if needed; a lower cap admits nothing new until leases end)')
    .option('--task-queue <queue>', 'task queue of the workers', taskQueue)
    .option('--json', 'print the new state as JSON')
    .action((name: string, credits: string, options: { taskQueue: string; json?: boolean }) =>
      withExitCode(() => {
        const cap = creditsArgument(credits, 'the cap', true);
        return withBudget(options.json === true, (client) => setSora2BudgetCap(client, checkedName(name), cap, options), name);
      }),
    );
  budget
    .command('top-up <name> <credits>')
    .description('raise the cap by this many credits (starts the budget if needed)')
    .option('--task-queue <queue>', 'task queue of the workers', taskQueue)
    .option('--json', 'print the new state as JSON')
    .action((name: string, credits: string, options: { taskQueue: string; json?: boolean }) =>
      withExitCode(() => {
        const amount = creditsArgument(credits, 'the top-up', false);
        return withBudget(options.json === true, (client) => topUpSora2Budget(client, checkedName(name), amount, options), name);
      }),
    );
}
