/**
 * Markdown for the Temporal UI's "current details" (no history cost), rendered from the same
 * `GenerationStatus` the `sora2Status` query returns, so the UI and the query never disagree.
 */
import type { CompletionStatus, GenerationStatus } from './messages';
import type { ApprovalStatus } from './approval-input';
import { describeEta } from './eta';

const ENDED_PHASES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'timed-out', 'cancelled']);

export function renderStatusDetails(status: GenerationStatus): string {
  const lines = [
    `**Phase:** ${status.phase}`,
    `**Model:** ${status.model ?? 'unknown'}`,
    status.taskId ? `**Task:** \`${status.taskId}\` — ${status.remoteStatus}` : '**Task:** not created yet',
    `**Status checks:** ${status.polls}`,
  ];
  if (status.approval) lines.push(`**Approval:** ${describeApproval(status.approval)}`);
  // Only once a task exists: before that there is nothing to estimate.
  // Rendered at the run's latest step (a check, a webhook, an Update): "as of" says how fresh it is.
  if (status.eta && status.taskId)
    lines.push(
      `**Estimate:** ${describeEta(status.eta)}${status.eta.kind === 'estimate' ? `, as of ${status.eta.asOf.slice(11, 19)}Z` : ''}`,
    );
  lines.push(`**Completion:** ${describeCompletion(status.completion)}`);
  // Only while a check is scheduled: a stale time would read as "due".
  if (status.nextPollAt !== null) lines.push(`**Next check:** ${status.nextPollAt}`);
  // What an operator's extendDeadline moved; gone once the run has ended.
  if (status.deadlineAt !== null && !ENDED_PHASES.has(status.phase)) lines.push(`**Deadline:** ${status.deadlineAt}`);
  if (status.credits) lines.push(`**Credits:** reserved ${status.credits.reserved}, final ${status.credits.final}`);
  if (status.lastError) lines.push(`**Last error:** ${status.lastError}`);
  return lines.join('\n\n');
}

/** e.g. "by webhook (safety-net checks by activity retries); done by webhook". */
function describeCompletion(completion: CompletionStatus): string {
  const waiting = completion.style === 'activity-retry' ? 'activity retries' : 'durable timers';
  const how = completion.webhooks ? `by webhook (safety-net checks by ${waiting})` : `by status checks (${waiting})`;
  const events = completion.webhookEvents;
  const received = events.accepted + events.duplicate + events.ignored;
  const parts = [how];
  if (completion.expectation) {
    const expected = completion.expectedDurationMs ? `~${Math.round(completion.expectedDurationMs / 1000)} s, ` : '';
    parts.push(`expected duration: ${expected}${completion.expectation}`);
  }
  if (received > 0) parts.push(`${received} webhook event(s), ${events.duplicate} duplicate, ${events.ignored} ignored`);
  if (completion.completedBy) parts.push(`done by ${completion.completedBy}`);
  return parts.join('; ');
}

/** "awaiting approval — 30 credits; times out at …", or the decision: "rejected by ana (too long)". */
function describeApproval(approval: ApprovalStatus): string {
  if (approval.state === 'pending') {
    const until = approval.timeoutAt ? `; times out at ${approval.timeoutAt}` : '';
    return `awaiting approval — ${approval.priceCredits} credits${until} (\`rivya-sora2 approve|reject <id>\`)`;
  }
  const decision = approval.decision;
  const by = decision?.by ? ` by ${decision.by}` : '';
  const why = decision?.reason ? ` (${decision.reason})` : '';
  return `${approval.state}${by}${why} — ${approval.priceCredits} credits`;
}
