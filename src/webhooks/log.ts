/**
 * One line per delivery: outcome, status, event, task, workflow, time. Everything in it is either
 * the receiver's own words or an id held to a small character set, so a hostile header can neither
 * forge extra log lines nor smuggle terminal escapes; secrets and signatures are never passed here.
 */
import type { WebhookOutcome, OutcomeDetails } from './outcomes';

/** Ids as they may be logged: letters, digits and `_.:@/-`, at most 128 characters; anything else becomes `?`. */
export function logToken(value: string): string {
  const cut = value.length > 128 ? `${value.slice(0, 128)}…` : value;
  return cut.replace(/[^A-Za-z0-9_.:@/…-]/g, '?');
}

/** Free text (reasons): printable ASCII only, double quotes turned single, at most 200 characters. */
export function logText(value: string): string {
  const cut = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return cut.replace(/"/g, "'").replace(/[^\x20-\x7e…]/g, '?');
}

export function formatDeliveryLine(outcome: WebhookOutcome, details: OutcomeDetails): string {
  const fields = [`rivya-webhook outcome=${outcome}`, `status=${details.status}`];
  if (details.eventId) fields.push(`event=${logToken(details.eventId)}`);
  if (details.eventType) fields.push(`type=${logToken(details.eventType)}`);
  if (details.taskId) fields.push(`task=${logToken(details.taskId)}`);
  if (details.workflowIds?.length) fields.push(`workflow=${details.workflowIds.map(logToken).join(',')}`);
  fields.push(`ms=${details.durationMs}`);
  if (details.reason) fields.push(`reason="${logText(details.reason)}"`);
  return fields.join(' ');
}
