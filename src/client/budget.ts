/**
 * The account budget from a backend or the CLI: read it (query), set its cap and top it up
 * (validated Updates, which start the budget if it does not exist yet). A refused Update (a cap
 * that is not a whole number of credits) is told in the validator's words and writes no history.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { DEFAULT_SORA2_TASK_QUEUE } from './helpers';
import type { sora2Budget } from '../../workflows/budget/sora2-budget';
import { budgetWorkflowId, SORA2_BUDGET_WORKFLOW_TYPE } from '../../workflows/budget/input';
import { sora2BudgetSetCapUpdate, sora2BudgetStateQuery, sora2BudgetTopUpUpdate, type BudgetState } from '../../workflows/budget/messages';

export { SORA2_BUDGET_WORKFLOW_TYPE };

export interface Sora2BudgetOptions {
  /** The task queue of the worker that runs the budget (the generations' queue). Default 'rivya-sora2'. */
  taskQueue?: string;
}

export function sora2BudgetHandle(client: Client, name: string): WorkflowHandle<typeof sora2Budget> {
  return client.workflow.getHandle<typeof sora2Budget>(budgetWorkflowId(name));
}

/** The budget's books, or null when no budget of that name was ever started. */
export async function getSora2Budget(client: Client, name: string): Promise<BudgetState | null> {
  try {
    return await sora2BudgetHandle(client, name).query(sora2BudgetStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

function startOperation(name: string, options: Sora2BudgetOptions) {
  return new WithStartWorkflowOperation<typeof sora2Budget>(SORA2_BUDGET_WORKFLOW_TYPE, {
    workflowId: budgetWorkflowId(name),
    taskQueue: options.taskQueue ?? DEFAULT_SORA2_TASK_QUEUE,
    args: [{ name }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Sets the cap (credits); starts the budget if needed. Lowering it below what is held admits nothing new until leases end. */
export async function setSora2BudgetCap(client: Client, name: string, cap: number, options: Sora2BudgetOptions = {}): Promise<BudgetState> {
  return client.workflow.executeUpdateWithStart(sora2BudgetSetCapUpdate, {
    args: [{ cap }],
    startWorkflowOperation: startOperation(name, options),
  });
}

/** Raises the cap by `credits`; starts the budget if needed (its cap was then 0). */
export async function topUpSora2Budget(
  client: Client,
  name: string,
  credits: number,
  options: Sora2BudgetOptions = {},
): Promise<BudgetState> {
  return client.workflow.executeUpdateWithStart(sora2BudgetTopUpUpdate, {
    args: [{ credits }],
    startWorkflowOperation: startOperation(name, options),
  });
}
