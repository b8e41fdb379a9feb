/**
 * Delivery faults: which one (if any) shapes a delivery — scripted faults first, in order, then
 * the seeded rates, like the HTTP faults in `../faults.ts` — and the bodies of the extra requests
 * a fault adds. What each fault does to the schedule is `delivery.ts`'s job.
 */
import { randomBytes } from 'node:crypto';
import type { Random } from '../random';
import type { WebhookFaultKind, WebhookFaultRules } from './config';
import type { WebhookEnvelope } from './endpoints';

/** Consumes the next scripted fault, else draws one from the rates; undefined for a clean delivery. */
export function decideDeliveryFault(rules: WebhookFaultRules, random: Random): WebhookFaultKind | undefined {
  const scripted = rules.script.shift();
  if (scripted) return scripted;
  const rates = Object.entries(rules.rates) as [WebhookFaultKind, number][];
  if (rates.length === 0) return undefined;
  const draw = random();
  let cumulative = 0;
  for (const [kind, rate] of rates) {
    cumulative += rate;
    if (draw < cumulative) return kind;
  }
  return undefined;
}

/**
 * What an attacker would send: the same event id, but the outcome turned around (a success
 * reported as a failure and the other way round) and the result pointing elsewhere.
 */
export function tamperedEnvelope(envelope: WebhookEnvelope): WebhookEnvelope {
  const data = { ...envelope.data };
  if (data.status === 'succeeded') {
    data.status = 'failed';
    data.error = { code: 'generation_failed', message: 'forged' };
    data.result = null;
  } else {
    data.status = 'succeeded';
    data.error = null;
    data.result = { primary_url: 'https://forged.invalid/video.mp4', urls: ['https://forged.invalid/video.mp4'] };
  }
  return { ...envelope, data };
}

/** A well-formed secret nobody registered: its signatures look right and verify against nothing. */
export function forgerSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
