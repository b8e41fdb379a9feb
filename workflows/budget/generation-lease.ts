/**
 * The generation's side of the account budget: lease the run's price before the paid create,
 * mark the lease committed with the task id, and end it with what Rivya did. The rule throughout:
 * a lease is never given back while the create's result is unknown. Errors err towards holding
 * credits (a settle that cannot reach the budget leaves them held), never towards paying over the cap.
 * Workflow-safe: Temporal's workflow APIs, the price table and pure contract code only.
 */
import { ActivityFailure, CancellationScope, isCancellation, patched, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import { priceOf } from '../../src/contract/models';
import { refundState } from '../../src/contract/task-status';
import type { TaskSnapshot } from '../common/activity-contract';
import { FailureTypes, type FailureType } from '../common/failures';
import { PATCH_ACCOUNT_BUDGET_LEASE } from '../compat';
import { DeadlineReached } from '../generation/wait-state';
import { budgetNameOf, type AccountBudgetOptions } from './input';
import type { BudgetActivities, BudgetSettleInput } from './activities';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' } as const;

/** What the run hands over: its request's relevant fields (kept narrow so input.ts can change freely). */
export interface LeasedRequest {
  model: Parameters<typeof priceOf>[0];
  params: Record<string, string | undefined>;
  accountBudget?: AccountBudgetOptions;
  account?: string;
}

/** How a run that ends without a finished task ended, as far as the budget cares. */
export interface EndWithoutTask {
  type: FailureType;
  remoteError: { code: string } | null;
}

type Stage = 'none' | 'leasing' | 'creating' | 'created' | 'settled';

export class AccountBudgetLease {
  private stage: Stage = 'none';
  private readonly budget: string | null;

  constructor(
    private readonly request: LeasedRequest,
    private readonly workflowId: string,
    taskExists: boolean,
  ) {
    this.budget = request.accountBudget ? budgetNameOf(request.accountBudget, request.account) : null;
    // A run continued as new after its create: the lease is committed (by the earlier run).
    if (this.budget && taskExists) this.stage = 'created';
  }

  /**
   * Right before the paid create: lease this run's price. Refused with whenExhausted 'fail': the
   * activity fails as BudgetExceeded (nothing paid). 'wait': the activity asks again with back-off
   * until the run's deadline, which then ends the run as timed out.
   */
  async beforeCreate(deadlineAtMs: number, renderedParams: Record<string, string>): Promise<void> {
    if (!this.budget || this.stage !== 'none' || !patched(PATCH_ACCOUNT_BUDGET_LEASE)) return;
    this.stage = 'leasing';
    const leasing = proxyActivities<BudgetActivities>({
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: Math.max(deadlineAtMs - Date.now(), 1_000),
      retry: RETRY,
      summary: `lease credits from budget ${this.budget}`,
    });
    try {
      await leasing.rivyaBudgetLease({
        budget: this.budget,
        leaseId: this.workflowId,
        credits: priceOf(this.request.model, renderedParams),
        model: this.request.model,
        whenExhausted: this.request.accountBudget!.whenExhausted,
      });
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) throw new DeadlineReached();
      throw err;
    }
    this.stage = 'creating';
  }

  /** The create answered with a task: the lease now stands for it. */
  async created(taskId: string): Promise<void> {
    if (this.stage !== 'creating') return;
    this.stage = 'created';
    await this.settle({ action: 'commit', taskId });
  }

  /** The task ended: charged (spent) or refunded (Rivya gives a failed task's credits back). */
  async taskEnded(task: TaskSnapshot): Promise<void> {
    if (this.stage !== 'created') return;
    const refunded = refundState(task);
    if (refunded === 'pending') return;
    this.stage = 'settled';
    await this.settle(refunded ? { action: 'refunded' } : { action: 'spent', chargedCredits: task.finalCredits });
  }

  /**
   * The run ends without a finished task. Before the create (refused, deadline, cancel while
   * waiting): released. The create failed with Rivya's definite "no" (a 4xx other than an
   * idempotency conflict): released. Anything else — Rivya unreachable, a cancel during the
   * create, a task still running when the run gave up — leaves the credits held.
   */
  async runEnded(end: EndWithoutTask, taskExists: boolean): Promise<void> {
    if (taskExists || (this.stage !== 'leasing' && this.stage !== 'creating')) return;
    const definiteNo =
      (end.type === FailureTypes.GenerationRejected || end.type === FailureTypes.ValidationFailed) &&
      end.remoteError !== null &&
      !end.remoteError.code.startsWith('idempotency');
    if (this.stage === 'creating' && !definiteNo) return;
    this.stage = 'settled';
    await this.settle({ action: 'released' });
  }

  private async settle(change: Omit<BudgetSettleInput, 'budget' | 'leaseId'>): Promise<void> {
    const settling = proxyActivities<BudgetActivities>({
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: '10m',
      retry: RETRY,
      summary: `${change.action} the lease on budget ${this.budget}`,
    });
    try {
      // Non-cancellable: a cancelled run still tells the budget what happened to its credits.
      await CancellationScope.nonCancellable(() =>
        settling.rivyaBudgetSettle({ budget: this.budget!, leaseId: this.workflowId, ...change }),
      );
    } catch (err) {
      // Unreachable budget: the credits stay held (safe side); an operator can settle the lease.
      if (isCancellation(err) && !(err instanceof ActivityFailure)) throw err;
    }
  }
}
