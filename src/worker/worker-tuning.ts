/**
 * The resolved rate limits, cache size and sticky timeout on a worker's options, each only where the
 * application's own Worker options leave it unset: what a program sets on its Worker wins.
 */
import type { WorkerOptions } from '@temporalio/worker';
import type { Sora2Settings } from './resolve-settings';

const TUNED = [
  'maxTaskQueueActivitiesPerSecond',
  'maxActivitiesPerSecond',
  'maxCachedWorkflows',
  'stickyQueueScheduleToStartTimeout',
] as const;

export function withWorkerTuning(options: WorkerOptions, settings: Sora2Settings): WorkerOptions {
  const tuned: Partial<Pick<WorkerOptions, (typeof TUNED)[number]>> = {};
  for (const name of TUNED) {
    if (options[name] === undefined && settings[name] !== undefined) Object.assign(tuned, { [name]: settings[name] });
  }
  return { ...options, ...tuned };
}
