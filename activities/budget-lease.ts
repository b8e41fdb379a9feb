/**
 * The budget's activities: the generation's lease (and its commit/settle) as Updates on the
 * budget workflow, sent with the worker's own Temporal client. The lease goes by update-with-start
 * (the first lease of a name starts its budget, with a cap of 0 until an operator sets one).
 *
 * Why an activity and not the workflow: Temporal takes about 10 Updates in flight per workflow.
 * When many generations ask at once the server answers "resource exhausted"; the activity's retry
 * back-off absorbs that, and a generation told "no credits now" with whenExhausted 'wait' waits in
 * its activity's retries (a benign failure with a jittered `nextRetryDelay`, no history per try).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  BUDGET_LEASE_WAITING,
  type BudgetActivities,
  type BudgetLeaseInput,
  type BudgetLeaseOutcome,
  type BudgetSettleInput,
} from '../workflows/budget/activities';
import { budgetWorkflowId, SORA2_BUDGET_WORKFLOW_TYPE } from '../workflows/budget/input';
import type { BudgetRefusal, LeaseView } from '../workflows/budget/ledger';
import { BUDGET_EXHAUSTED, sora2BudgetCommitUpdate, sora2BudgetLeaseUpdate, sora2BudgetSettleUpdate } from '../workflows/budget/messages';
import { BUDGET_EXCEEDED } from '../workflows/common/failures';

/** Between two asks of a waiting lease: grows to 15 s, jittered so waiters don't ask in lockstep. */
export function leaseWaitDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(1_000 * 1.5 ** Math.max(attempt - 1, 0), 15_000);
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** The budget's refusal inside an Update failure, if that is what it is. */
export function refusalOf(err: unknown): BudgetRefusal | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== BUDGET_EXHAUSTED) return undefined;
  return cause.details?.[0] as BudgetRefusal | undefined;
}

/**
 * Updates one worker sends to one budget at a time. Temporal refuses an 11th Update in flight on a
 * workflow, and the client then backs off for seconds: measured on the dev server (bench
 * --budget-only), 20 asks at once granted 3 leases/s, 8 at once 39/s. Queuing here keeps one
 * worker under the limit; several workers share it, and the retries absorb the rest.
 */
export const MAX_UPDATES_IN_FLIGHT_PER_BUDGET = 8;

/** A FIFO of at most `limit` concurrent calls per key (the budget's name). */
export function perKeyLimiter(limit: number) {
  const states = new Map<string, { running: number; queue: Array<() => void> }>();
  return async function run<T>(key: string, call: () => Promise<T>): Promise<T> {
    let state = states.get(key);
    if (!state) states.set(key, (state = { running: 0, queue: [] }));
    const current = state;
    if (current.running >= limit) await new Promise<void>((resolve) => current.queue.push(resolve));
    else current.running += 1;
    try {
      return await call();
    } finally {
      const next = current.queue.shift();
      if (next) next();
      else {
        current.running -= 1;
        if (current.running === 0) states.delete(key);
      }
    }
  };
}

export interface BudgetActivityOptions {
  /** The client to reach the budget; default the worker's (activity Context). */
  client?: () => Client;
  /** The budget workflow's task queue; default this activity's. */
  taskQueue?: string;
}

export function makeBudgetActivities(options: BudgetActivityOptions = {}): BudgetActivities {
  const clientOf = options.client ?? (() => Context.current().client);
  const taskQueueOf = () => options.taskQueue ?? Context.current().info.taskQueue;
  const limited = perKeyLimiter(MAX_UPDATES_IN_FLIGHT_PER_BUDGET);

  async function rivyaBudgetLease(input: BudgetLeaseInput): Promise<BudgetLeaseOutcome> {
    const client = clientOf();
    try {
      const lease = await limited(input.budget, () =>
        client.workflow.executeUpdateWithStart(sora2BudgetLeaseUpdate, {
          args: [{ leaseId: input.leaseId, credits: input.credits, model: input.model }],
          startWorkflowOperation: new WithStartWorkflowOperation(SORA2_BUDGET_WORKFLOW_TYPE, {
            workflowId: budgetWorkflowId(input.budget),
            taskQueue: taskQueueOf(),
            args: [{ name: input.budget }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        }),
      );
      return { granted: true, lease };
    } catch (err) {
      const refusal = refusalOf(err);
      // Anything else (too many Updates in flight, Temporal unreachable, a run closing for
      // continue-as-new): this activity's retry, with back-off, asks again. The lease id makes it idempotent.
      if (!refusal) throw err;
      if (input.whenExhausted === 'fail') {
        throw ApplicationFailure.create({
          type: BUDGET_EXCEEDED,
          message: `budget ${refusal.budget}: ${refusal.requested} credits needed, ${refusal.available} of ${refusal.cap} available; nothing paid`,
          nonRetryable: true,
          details: [refusal],
        });
      }
      const nextRetryDelay = leaseWaitDelayMs(Context.current().info.attempt);
      throw ApplicationFailure.create({
        type: BUDGET_LEASE_WAITING,
        message: `waiting for ${refusal.requested} credits of budget ${refusal.budget} (${refusal.available} of ${refusal.cap} available); asking again in ${Math.round(nextRetryDelay / 100) / 10} s`,
        category: ApplicationFailureCategory.BENIGN,
        nextRetryDelay,
        details: [refusal],
      });
    }
  }

  async function rivyaBudgetSettle(input: BudgetSettleInput): Promise<LeaseView | null> {
    const handle = clientOf().workflow.getHandle(budgetWorkflowId(input.budget));
    if (input.action === 'commit') {
      return limited(input.budget, () =>
        handle.executeUpdate(sora2BudgetCommitUpdate, { args: [{ leaseId: input.leaseId, taskId: input.taskId ?? '' }] }),
      );
    }
    const end = input.action;
    return limited(input.budget, () =>
      handle.executeUpdate(sora2BudgetSettleUpdate, {
        args: [{ leaseId: input.leaseId, end, chargedCredits: input.chargedCredits }],
      }),
    );
  }

  return { rivyaBudgetLease, rivyaBudgetSettle };
}
