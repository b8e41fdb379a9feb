/**
 * Compensations as data, so the list survives continue-as-new. Each successful step registers its
 * undo; on failure, timeout or cancel they run newest-first inside a non-cancellable scope, every
 * one attempted even when an earlier one fails.
 */
import { CancellationScope } from '@temporalio/workflow';
import { describeError } from '../generation/failure-classification';
import type { CompensationOutcome } from './failures';

export type RegisteredCompensation =
  { kind: 'reconcile-credits'; taskId: string } | { kind: 'pipeline'; activity: string; args: unknown[] };

export function compensationName(step: RegisteredCompensation): string {
  return step.kind === 'pipeline' ? step.activity : 'reconcile-credits';
}

export async function runCompensations(
  steps: readonly RegisteredCompensation[],
  run: (step: RegisteredCompensation) => Promise<void>,
): Promise<CompensationOutcome[]> {
  return CancellationScope.nonCancellable(async () => {
    const outcomes: CompensationOutcome[] = [];
    for (const step of [...steps].reverse()) {
      try {
        await run(step);
        outcomes.push({ name: compensationName(step), status: 'completed' });
      } catch (err) {
        outcomes.push({ name: compensationName(step), status: 'failed', error: describeError(err) });
      }
    }
    return outcomes;
  });
}
