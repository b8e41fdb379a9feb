/**
 * Typed errors of the Rivya client. Every failure is one of these, carries whether a retry can help,
 * and never contains the API key (messages from the wire are redacted before they are stored).
 */

/** Documented error codes (D6). Rivya may add codes at any time: the type stays open. */
export type RivyaErrorCode =
  | 'api_key_missing'
  | 'api_key_invalid'
  | 'api_key_revoked'
  | 'api_key_expired'
  | 'api_scope_denied'
  | 'not_found'
  | 'validation_failed'
  | 'idempotency_conflict'
  | 'rate_limited'
  | 'public_api_disabled'
  | 'insufficient_credits'
  | 'webhook_url_rejected'
  | (string & {});

export abstract class RivyaError extends Error {
  abstract readonly retryable: boolean;
}

/** Codes whose answer won't change on retry, whatever their HTTP status says. */
const NON_RETRYABLE_CODES = new Set<string>([
  'api_key_missing',
  'api_key_invalid',
  'api_key_revoked',
  'api_key_expired',
  'api_scope_denied',
  'not_found',
  'validation_failed',
  'idempotency_conflict',
  'insufficient_credits',
  'webhook_url_rejected',
]);

const RETRYABLE_CODES = new Set<string>(['rate_limited', 'public_api_disabled']);

/**
 * Retryability by code first, then by HTTP status for codes we don't know yet (D1): 408, 425, 429
 * and 5xx are transient; any other 4xx is the caller's mistake.
 */
export function isRetryableApiError(code: string, status: number): boolean {
  if (NON_RETRYABLE_CODES.has(code)) return false;
  if (RETRYABLE_CODES.has(code)) return true;
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The API answered with an error envelope (or an error status without one). */
export class RivyaApiError extends RivyaError {
  override readonly name = 'RivyaApiError';
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly code: RivyaErrorCode,
    readonly status: number,
    readonly requestId: string | undefined,
    /** From `Retry-After` (seconds or HTTP-date), when the server sent one. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
    this.retryable = isRetryableApiError(code, status);
  }
}

/**
 * The request may or may not have reached the server (reset, refused, DNS). For a create call the
 * server may have committed the task: retry with the same Idempotency-Key, never with a new one.
 */
export class RivyaNetworkError extends RivyaError {
  override readonly name = 'RivyaNetworkError';
  readonly retryable = true;
  constructor(message: string, readonly causeCode: string | undefined) {
    super(message);
  }
}

/** No complete answer within the client's timeout. */
export class RivyaTimeoutError extends RivyaError {
  override readonly name = 'RivyaTimeoutError';
  readonly retryable = true;
  constructor(readonly timeoutMs: number) {
    super(`Rivya request timed out after ${timeoutMs} ms`);
  }
}

/** The caller's AbortSignal fired: not retryable, the caller asked to stop. */
export class RivyaAbortedError extends RivyaError {
  override readonly name = 'RivyaAbortedError';
  readonly retryable = false;
  constructor() {
    super('Rivya request aborted by the caller');
  }
}

/** A 2xx whose body is not the documented shape (malformed JSON, missing fields). */
export class RivyaResponseError extends RivyaError {
  override readonly name = 'RivyaResponseError';
  // A garbled body is usually a transient proxy or server fault: worth another try.
  readonly retryable = true;
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** Removes every occurrence of the secret from text that came off the wire or out of a stack. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('[redacted]');
}
