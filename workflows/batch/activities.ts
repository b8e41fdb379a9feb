/**
 * The batch's activities: one wallet read at its start, and the wait for a child this run did not
 * start (an earlier run's, across continue-as-new, or an earlier batch's under the same id).
 */
import type { ChildConclusion } from './outcome';

/** The benign "still running" of sora2AwaitChild: its retry is the next look, no history per look. */
export const CHILD_NOT_FINISHED_ERROR_TYPE = 'Sora2ChildNotFinished';

export interface BatchActivities {
  /** GET /credits: the wallet's current credits (of the batch's `account`, when it names one). */
  rivyaGetCredits(account?: string): Promise<number>;
  /** How the workflow with this id ended (following its continue-as-new chain); retried while it runs. */
  sora2AwaitChild(workflowId: string): Promise<ChildConclusion>;
}

export const BATCH_ACTIVITY_NAMES: readonly (keyof BatchActivities)[] = ['rivyaGetCredits', 'sora2AwaitChild'];
