/** How operators and pipelines talk to a running generation. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CreditReconciliation } from './activity-contract';

export type GenerationPhase =
  'validating' | 'uploading-reference' | 'creating-task' | 'polling' | 'compensating' | 'succeeded' | 'failed' | 'timed-out' | 'cancelled';

export interface GenerationStatus {
  phase: GenerationPhase;
  model: string | null;
  taskId: string | null;
  remoteStatus: string | null;
  polls: number;
  /** ISO time of the next status check while polling. */
  nextPollAt: string | null;
  startedAt: string;
  deadlineAt: string | null;
  credits: { reserved: number; final: number } | null;
  referenceFileId: string | null;
  continuedAsNew: number;
  lastError: string | null;
  reconciliation: CreditReconciliation | null;
}

/** Live status: phase, task, polls, next check, credits. Costs no history events. */
export const sora2StatusQuery = defineQuery<GenerationStatus>('sora2Status');

/** Check the task now instead of at the next scheduled poll (e.g. on a webhook, or from the UI). */
export const sora2PollNowSignal = defineSignal('sora2PollNow');
