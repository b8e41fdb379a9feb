/**
 * Metrics counted inside activities, through the running activity's metric meter (the SDK tags
 * them with namespace, task queue and activity type). Outside an activity (a CLI call, a test
 * that calls the function directly) there is no meter and nothing is counted.
 */
import { asyncLocalStorage } from '@temporalio/activity';
import type { MetricMeter } from '@temporalio/common';
import { RivyaMetrics } from '../../workflows/common/metric-names';

/** The running activity's meter, or undefined outside an activity. */
export function activityMeter(): MetricMeter | undefined {
  return asyncLocalStorage.getStore()?.metricMeter;
}

/** The running activity's attempt (1 on the first), or undefined outside an activity. */
export function activityAttempt(): number | undefined {
  return asyncLocalStorage.getStore()?.info.attempt;
}

function add(metric: { name: string; description: string }, value: number): void {
  if (value <= 0) return;
  activityMeter()?.createCounter(metric.name, undefined, metric.description).add(Math.round(value));
}

/** A newly created task's reservation; a replayed create (same Idempotency-Key) is not counted again. */
export function countCreditsReserved(credits: number): void {
  add(RivyaMetrics.creditsReserved, credits);
}

/** One status read of a task. */
export function countStatusCheck(): void {
  add(RivyaMetrics.statusChecks, 1);
}
