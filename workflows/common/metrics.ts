/**
 * The workflow's own metrics, through the SDK's workflow metric meter: emitted by the worker
 * through an internal sink, so they add no history event and are skipped while a workflow task
 * replays (a generation is counted once however often its history is replayed). Only a workflow
 * task that fails and is retried can count its new part twice: treat these as at-least-once.
 */
import { metricMeter } from '@temporalio/workflow';
import type { CreditReconciliation, TaskSnapshot } from './activity-contract';
import type { FailureType } from './failures';
import type { CompletedBy } from '../generation/state';
import { MetricTags, RivyaMetrics } from './metric-names';

function counter(metric: { name: string; description: string }) {
  return metricMeter.createCounter(metric.name, undefined, metric.description);
}

/** The first run of a generation whose input passed validation. */
export function countGenerationStarted(): void {
  counter(RivyaMetrics.generationsStarted).add(1);
}

/**
 * A generation that ended with a video: counted, its charged credits added, and how long after
 * the task's last update at Rivya the workflow noticed (clock skew between Rivya and the worker
 * can make that negative: recorded as 0).
 */
export function countGenerationSucceeded(task: TaskSnapshot, completedBy: CompletedBy): void {
  counter(RivyaMetrics.generationsSucceeded).add(1);
  if (task.finalCredits > 0) counter(RivyaMetrics.creditsSpent).add(Math.round(task.finalCredits));
  const finishedAtMs = Date.parse(task.updatedAt);
  if (Number.isNaN(finishedAtMs)) return;
  const { name, unit, description } = RivyaMetrics.detectionLatency;
  metricMeter
    .createHistogram(name, 'float', unit, description)
    .record(Math.max(0, Date.now() - finishedAtMs) / 1000, { [MetricTags.completedBy]: completedBy });
}

/**
 * A generation that ended in a typed failure, after its compensations: counted by type, and the
 * credits the reconciliation found refunded (or, for a task charged anyway, spent).
 */
export function countGenerationFailed(type: FailureType, credits: CreditReconciliation | null): void {
  counter(RivyaMetrics.generationsFailed).add(1, { [MetricTags.failureType]: type });
  if (!credits) return;
  if (credits.refunded === true && credits.reservedCredits > 0)
    counter(RivyaMetrics.creditsRefunded).add(Math.round(credits.reservedCredits));
  else if (credits.refunded === false && credits.finalCredits > 0) counter(RivyaMetrics.creditsSpent).add(Math.round(credits.finalCredits));
}
