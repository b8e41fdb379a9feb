/**
 * Webhook signing secrets (D8, S7): `whsec_` + base64 key. Several may be active at once so a
 * rotation never drops a delivery (the old secret stays until Rivya signs with the new one only).
 *
 * Error messages say which secret is wrong by its position and never repeat a value: a typo in one
 * character of a secret must not print the rest of it into a terminal, a CI log or a crash report.
 */
import { Sora2ConfigError } from '../worker/settings';

/** Where the CLI reads the receiver's secrets from (space- or comma-separated). */
export const WEBHOOK_SECRETS_ENV = 'RIVYA_WEBHOOK_SECRETS';

/** More than a handful of active secrets means a rotation was never finished. */
export const MAX_WEBHOOK_SECRETS = 8;

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Standard Webhooks recommends 24–64 random bytes; below 16 a key is guessable, above 512 a mistake. */
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 512;

export class WebhookConfigError extends Sora2ConfigError {
  override readonly name = 'WebhookConfigError';
}

/** Throws a WebhookConfigError naming `label` (e.g. "secret #2") when `secret` is not `whsec_` + base64 key. */
export function checkWebhookSecret(secret: string, label = 'the webhook secret'): void {
  if (!secret.startsWith(SECRET_PREFIX)) throw new WebhookConfigError(`${label} does not start with ${SECRET_PREFIX}`);
  const key = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(key)) throw new WebhookConfigError(`${label} is not ${SECRET_PREFIX} followed by base64`);
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    throw new WebhookConfigError(`${label} has a ${bytes}-byte key; expected ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`);
  }
}

/** Validates a list of secrets (1 to MAX_WEBHOOK_SECRETS, each well-formed); duplicates collapse. */
export function checkWebhookSecrets(secrets: readonly string[]): string[] {
  if (secrets.length === 0) throw new WebhookConfigError('no webhook signing secret: give at least one whsec_… secret');
  if (secrets.length > MAX_WEBHOOK_SECRETS) {
    throw new WebhookConfigError(
      `${secrets.length} webhook secrets given; at most ${MAX_WEBHOOK_SECRETS} (finish the rotation and drop old ones)`,
    );
  }
  secrets.forEach((secret, index) => checkWebhookSecret(secret, `webhook secret #${index + 1}`));
  return [...new Set(secrets)];
}

/**
 * RIVYA_WEBHOOK_SECRETS: one or more secrets separated by spaces (commas are accepted too — neither
 * can occur in base64). Missing or empty is an error: a receiver without a secret would either
 * accept forged events or refuse every real one.
 */
export function parseWebhookSecrets(value: string | undefined, variable = WEBHOOK_SECRETS_ENV): string[] {
  const secrets = (value ?? '').split(/[\s,]+/).filter((part) => part.length > 0);
  if (secrets.length === 0) {
    throw new WebhookConfigError(
      `${variable} is not set: give the endpoint's signing secret (whsec_…); during a rotation, old and new separated by a space`,
    );
  }
  try {
    return checkWebhookSecrets(secrets);
  } catch (err) {
    throw new WebhookConfigError(`${variable}: ${(err as Error).message}`);
  }
}
