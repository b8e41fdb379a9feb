/** Human-readable lines for a failed generation: the typed reason first, then the facts. */
import { generationFailureOf, type GenerationFailure } from '../generation-failure';

export type FailureReport = GenerationFailure;

/** The CLI's name for `generationFailureOf`. */
export const failureReport = generationFailureOf;

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
