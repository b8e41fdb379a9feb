/**
 * The credit reconciliation a cancelled run reports. After a cancel the run promises no further
 * status calls, so it cannot ask Rivya: it reports what the last status check saw, and whether the
 * reservation came back follows the S6 rule (`refundState`).
 */
import { refundState } from '../../src/contract/task-status';
import type { CreditReconciliation, TaskSnapshot } from '../common/activity-contract';

export function lastKnownCredits(taskId: string, task: TaskSnapshot): CreditReconciliation {
  return {
    taskId,
    status: task.status,
    reservedCredits: task.reservedCredits,
    finalCredits: task.finalCredits,
    refunded: refundState(task),
    source: 'last-known',
  };
}
