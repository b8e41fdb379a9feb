/**
 * What a generation's input says about the account budget (`accountBudget`), and the budget's
 * name rules. Workflow-safe: pure data and zod, no I/O.
 */
import { z } from 'zod';

/** Budget names: like account names (letters, digits, `.`, `_`, `-`), safe in a workflow id and a log line. */
export const BUDGET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The budget of runs that name none and no `account`: the worker's default key. */
export const DEFAULT_BUDGET_NAME = 'default';

export const budgetNameSchema = z
  .string()
  .regex(BUDGET_NAME_PATTERN, 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/**
 * `accountBudget`: lease this run's price from a long-lived budget before the paid create.
 * `name` defaults to the input's `account` (one budget per paying account), else "default".
 * `whenExhausted`: 'fail' ends the run as BudgetExceeded with nothing paid; 'wait' waits durably
 * (bounded by the run's deadline) until credits come back or an operator raises the cap.
 */
export const accountBudgetOptionsSchema = z
  .object({
    name: budgetNameSchema.optional(),
    whenExhausted: z.enum(['wait', 'fail']).default('fail'),
  })
  .strict();

export type AccountBudgetOptions = z.output<typeof accountBudgetOptionsSchema>;

/** The budget workflow's type name (sora2-budget.ts), for starts by name from activities and clients. */
export const SORA2_BUDGET_WORKFLOW_TYPE = 'sora2Budget';

/** The workflow id of the budget named `name`: one entity workflow per name. */
export function budgetWorkflowId(name: string): string {
  return `rivya-budget:${name}`;
}

/** Which budget a run leases from: its own `accountBudget.name`, else its account's, else the default. */
export function budgetNameOf(options: { name?: string }, account: string | undefined): string {
  return options.name ?? account ?? DEFAULT_BUDGET_NAME;
}
