/** Human-readable lines for a failed generation: the typed reason first, then the facts. */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { GenerationFailureDetails } from '../../workflows/failures';

export interface FailureReport {
  type: string;
  message: string;
  details: GenerationFailureDetails | undefined;
}

export function failureReport(err: unknown): FailureReport | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message, details: cause.details?.[0] as GenerationFailureDetails | undefined };
  }
  return { type: cause?.name ?? 'WorkflowFailed', message: cause?.message ?? err.message, details: undefined };
}

export function formatFailure(report: FailureReport): string[] {
  const lines = [`failed: ${report.type}: ${report.message}`];
  const details = report.details;
  if (!details) return lines;
  if (details.taskId) lines.push(`  task: ${details.taskId}`);
  if (details.remoteError) lines.push(`  remote error: ${details.remoteError.code}: ${details.remoteError.message}`);
  if (details.credits) {
    lines.push(`  credits: reserved ${details.credits.reservedCredits}, final ${details.credits.finalCredits}, refunded ${details.credits.refunded}`);
  }
  for (const issue of details.issues ?? []) lines.push(`  invalid ${issue.path}: ${issue.message}`);
  for (const step of details.compensations) lines.push(`  compensation ${step.name}: ${step.status}${step.error ? ` (${step.error})` : ''}`);
  return lines;
}
