/** Human-readable lines for a failed generation: the typed reason first, then the facts. */
import { FailureTypes } from '../../workflows/common/failures';
import type { GenerationFailure } from '../../src/client/generation-failure';
import { ExitCodes } from './exit-codes';
import { printable as p } from './printable';

export type FailureReport = GenerationFailure;

/** Invalid input (ours, Rivya's validation, or a rejected reference) is the caller's to fix: 2; every other failure 1. */
export function exitCodeOf(report: FailureReport): number {
  return report.type === FailureTypes.ValidationFailed ? ExitCodes.invalid : ExitCodes.failed;
}

/** One word for how a closed generation ended, the same in `status`, `cancel` and `generate`. */
export function outcomeOf(report: FailureReport): string {
  if (report.type === FailureTypes.GenerationCancelled) return 'cancelled';
  if (report.type === FailureTypes.GenerationTimedOut) return 'timed out';
  if (report.type === FailureTypes.ValidationFailed) return 'invalid input';
  return 'failed';
}

function referenceProblem(report: FailureReport): string {
  return report.details?.remoteError?.message ?? report.message;
}

/**
 * The first line's message without what the lines below repeat: a refusal is said once. The
 * workflow's message often ends with the very texts the details list ("reference rejected: <why>",
 * "invalid input: prompt: must not be empty"); then only its lead stays ("reference rejected").
 */
export function headline(report: FailureReport): string {
  const details = report.details;
  const repeated = [
    ...(details?.reason === 'reference-rejected' ? [referenceProblem(report)] : []),
    ...(details?.issues ?? []).map((issue) => `${issue.path}: ${issue.message}`),
  ].filter((text) => text.length > 0);
  if (repeated.length === 0 || !repeated.every((text) => report.message.includes(text))) return report.message;
  const lead = report.message.slice(0, Math.min(...repeated.map((text) => report.message.indexOf(text)))).replace(/[\s:;,-]+$/, '');
  return lead.length > 0 ? lead : report.message;
}

/**
 * The report as terminal lines. Every value comes from the workflow (and through it from Rivya), so
 * each one goes through `printable`: no escape sequence or control character reaches the terminal.
 */
export function formatFailure(report: FailureReport): string[] {
  const details = report.details;
  const lines = [`failed: ${p(report.type)}: ${p(headline(report))}`];
  if (!details) return lines;
  if (details.taskId) lines.push(`  task: ${p(details.taskId)}`);
  // Paid for but not saved: where the video still is (Rivya's URLs expire: fetch it soon).
  const { videoUrl } = details as { videoUrl?: unknown };
  if (report.type === FailureTypes.ResultNotSaved && typeof videoUrl === 'string') lines.push(`  video (not saved): ${p(videoUrl)}`);
  // A refused reference is the caller's input, not Rivya's error: said as such.
  if (details.reason === 'reference-rejected') lines.push(`  invalid reference: ${p(referenceProblem(report))}`);
  else if (details.remoteError) lines.push(`  remote error: ${p(details.remoteError.code)}: ${p(details.remoteError.message)}`);
  if (details.credits) {
    const { reservedCredits, finalCredits, refunded } = details.credits;
    lines.push(`  credits: reserved ${p(reservedCredits)}, final ${p(finalCredits)}, refunded ${p(refunded)}`);
  }
  for (const issue of details.issues ?? []) lines.push(`  invalid ${p(issue.path)}: ${p(issue.message)}`);
  for (const step of details.compensations ?? [])
    lines.push(`  compensation ${p(step.name)}: ${p(step.status)}${step.error ? ` (${p(step.error)})` : ''}`);
  return lines;
}
