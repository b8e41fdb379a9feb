/** Human-readable lines for a failed generation: the typed reason first, then the facts. */
import type { GenerationFailure } from '../generation-failure';
import { printable as p } from './printable';

export type FailureReport = GenerationFailure;

/**
 * The report as terminal lines. Every value comes from the workflow (and through it from Rivya), so
 * each one goes through `printable`: no escape sequence or control character reaches the terminal.
 */
export function formatFailure(report: FailureReport): string[] {
  const lines = [`failed: ${p(report.type)}: ${p(report.message)}`];
  const details = report.details;
  if (!details) return lines;
  if (details.taskId) lines.push(`  task: ${p(details.taskId)}`);
  if (details.remoteError) lines.push(`  remote error: ${p(details.remoteError.code)}: ${p(details.remoteError.message)}`);
  if (details.credits) {
    const { reservedCredits, finalCredits, refunded } = details.credits;
    lines.push(`  credits: reserved ${p(reservedCredits)}, final ${p(finalCredits)}, refunded ${p(refunded)}`);
  }
  for (const issue of details.issues ?? []) lines.push(`  invalid ${p(issue.path)}: ${p(issue.message)}`);
  for (const step of details.compensations ?? []) lines.push(`  compensation ${p(step.name)}: ${p(step.status)}${step.error ? ` (${p(step.error)})` : ''}`);
  return lines;
}
