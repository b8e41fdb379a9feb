/**
 * Is this delivery from Rivya? Rivya's signing scheme is not in the docs we hold (S7), so the
 * receiver asks a `WebhookVerifier`; the default follows the Standard Webhooks spec that the
 * `whsec_` prefix points to, through the `standardwebhooks` package (HMAC-SHA256 over
 * `id.timestamp.body`, constant-time comparison, several `v1,` signatures per header).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { checkWebhookSecrets, WebhookConfigError } from './secrets';

export interface VerifiableRequest {
  /** The body exactly as received: a signature covers bytes, not a re-serialized object. */
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export type VerificationFailure =
  /** No or unusable signature headers. */
  | 'missing-headers'
  /** No signature matches any active secret. */
  | 'bad-signature'
  /** Signed too long ago: a replay, or a badly skewed clock. */
  | 'stale-timestamp'
  /** Signed in the future beyond the tolerance. */
  | 'future-timestamp';

export type VerificationResult =
  | {
      ok: true;
      /** The sender's message id (Standard Webhooks `webhook-id`), which the envelope id must equal; undefined if the scheme has none. */
      messageId?: string;
    }
  | { ok: false; reason: VerificationFailure };

/** A signature scheme. Must not throw for a bad request (answer `ok: false`), and must never log secrets. */
export interface WebhookVerifier {
  verify(request: VerifiableRequest): VerificationResult;
}

/** The library's own window, fixed at ±5 minutes: a stricter one is checked here, a looser one cannot be. */
export const MAX_TIMESTAMP_TOLERANCE_SECONDS = 300;
export const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;

export interface StandardWebhooksVerifierOptions {
  /** Active `whsec_…` secrets: a delivery is genuine if any of them verifies it (rotation). */
  secrets: readonly string[];
  /** How far `webhook-timestamp` may be from now, either way. 1–300; default 300. */
  toleranceSeconds?: number;
}

/** `webhook-timestamp` is decimal seconds; anything else is not a timestamp. */
const TIMESTAMP = /^\d{1,12}$/;

export class StandardWebhooksVerifier implements WebhookVerifier {
  readonly toleranceSeconds: number;
  // The secrets live only inside the library's instances (decoded keys); nothing else keeps them.
  readonly #webhooks: readonly Webhook[];

  constructor(options: StandardWebhooksVerifierOptions) {
    const tolerance = options.toleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_SECONDS;
    if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > MAX_TIMESTAMP_TOLERANCE_SECONDS) {
      throw new WebhookConfigError(
        `toleranceSeconds must be an integer from 1 to ${MAX_TIMESTAMP_TOLERANCE_SECONDS} (the standardwebhooks library never accepts more)`,
      );
    }
    this.toleranceSeconds = tolerance;
    this.#webhooks = checkWebhookSecrets(options.secrets).map((secret) => new Webhook(secret));
  }

  verify({ body, headers }: VerifiableRequest): VerificationResult {
    const id = single(headers['webhook-id']);
    const timestamp = single(headers['webhook-timestamp']);
    const signature = single(headers['webhook-signature']);
    if (!id || !timestamp || !signature || !TIMESTAMP.test(timestamp)) return { ok: false, reason: 'missing-headers' };

    // Our own window first: it may be stricter than the library's fixed 5 minutes, and it tells a
    // replay apart from a forgery in the counters. The library checks its own window again.
    const skew = Math.floor(Date.now() / 1000) - Number(timestamp);
    if (skew > this.toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };
    if (-skew > this.toleranceSeconds) return { ok: false, reason: 'future-timestamp' };

    const signed = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
    for (const webhook of this.#webhooks) {
      try {
        // jsonParse off: the envelope is parsed (and schema-checked) by the caller, once.
        webhook.verify(body, signed, { jsonParse: false });
        return { ok: true, messageId: id };
      } catch (err) {
        if (!(err instanceof WebhookVerificationError)) throw err;
        // The library's message says old/new when its own window refuses: the same answer as ours.
        if (/too old/i.test(err.message)) return { ok: false, reason: 'stale-timestamp' };
        if (/too new/i.test(err.message)) return { ok: false, reason: 'future-timestamp' };
      }
    }
    return { ok: false, reason: 'bad-signature' };
  }
}

/** A header Node gives as a string, or (when repeated) an array: a repeated signature header is refused. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
