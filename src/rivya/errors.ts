/**
 * Typed errors of the Rivya client. Every failure is one of these, carries whether a retry can help,
 * and never contains the API key (messages from the wire are redacted before they are stored).
 */
import { redactSecrets } from './redact';

export { redactSecrets } from './redact';

/**
 * Documented error codes (D6), each with whether a retry can help whatever its HTTP status says:
 * the one table the client's retries and the metrics' bounded error tags both read.
 */
export const DOCUMENTED_ERROR_CODES = {
  api_key_missing: false,
  api_key_invalid: false,
  api_key_revoked: false,
  api_key_expired: false,
  api_scope_denied: false,
  not_found: false,
  validation_failed: false,
  idempotency_conflict: false,
  rate_limited: true,
  public_api_disabled: true,
  insufficient_credits: false,
  webhook_url_rejected: false,
} as const satisfies Record<string, boolean>;

/** Rivya may add codes at any time: the type stays open. */
export type RivyaErrorCode = keyof typeof DOCUMENTED_ERROR_CODES | (string & {});

export abstract class RivyaError extends Error {
  abstract readonly retryable: boolean;
}

function isDocumentedCode(code: string): code is keyof typeof DOCUMENTED_ERROR_CODES {
  return Object.prototype.hasOwnProperty.call(DOCUMENTED_ERROR_CODES, code);
}

/**
 * Retryability by code first, then by HTTP status for codes we don't know yet (D1): 408, 425, 429
 * and 5xx are transient; any other 4xx is the caller's mistake.
 */
export function isRetryableApiError(code: string, status: number): boolean {
  if (isDocumentedCode(code)) return DOCUMENTED_ERROR_CODES[code];
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The API answered with an error envelope (or an error status without one). */
export class RivyaApiError extends RivyaError {
  override readonly name: string = 'RivyaApiError';
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
 * D8: Rivya refused a webhook endpoint URL (400 `webhook_url_rejected`): not https, credentials or a
 * fragment in it, or a host that is localhost, loopback, private, link-local or reserved. A
 * RivyaApiError like any other (same code, status, requestId), typed so callers can explain it.
 */
export class RivyaWebhookUrlRejectedError extends RivyaApiError {
  override readonly name = 'RivyaWebhookUrlRejectedError';
  /** The rule Rivya applies, in words a person can act on. */
  static readonly RULES =
    'a webhook URL must be https, without user:password@ or a #fragment, and must not point at localhost, ' +
    'a loopback, private, link-local or reserved address';
}

/**
 * Socket error codes that a retry cannot fix within an activity's retry budget: the server's TLS
 * certificate is not acceptable (self-signed, expired, wrong host, untrusted chain) — a retry
 * meets the same certificate — or the host name does not exist.
 *
 * ENOTFOUND is getaddrinfo's EAI_NONAME: the resolver answered authoritatively that the name does
 * not exist (NXDOMAIN), i.e. a typo or a decommissioned host, so it is treated as permanent.
 * A resolver that could not answer (timeout, SERVFAIL, no network) yields EAI_AGAIN instead, which
 * stays transient, as do ECONNRESET, ECONNREFUSED, ETIMEDOUT and every code not listed here.
 */
export const TLS_CERTIFICATE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** See TLS_CERTIFICATE_ERROR_CODES: ENOTFOUND permanent, EAI_AGAIN (and anything unknown) transient. */
export const HOST_NOT_FOUND_ERROR_CODES: ReadonlySet<string> = new Set(['ENOTFOUND']);

export type PermanentNetworkFailure = 'tls_certificate_invalid' | 'host_not_found';

/** Which permanent failure a socket error code names, or undefined when a retry may help. */
export function permanentNetworkFailure(code: string | undefined): PermanentNetworkFailure | undefined {
  if (!code) return undefined;
  if (TLS_CERTIFICATE_ERROR_CODES.has(code)) return 'tls_certificate_invalid';
  if (HOST_NOT_FOUND_ERROR_CODES.has(code)) return 'host_not_found';
  return undefined;
}

/**
 * The request may or may not have reached the server (reset, refused, DNS). For a create call the
 * server may have committed the task: retry with the same Idempotency-Key, never with a new one.
 * Not retryable when the socket error is permanent (`permanent` says which: a bad TLS certificate
 * or a host name that does not exist); those never reached Rivya's application at all.
 */
export class RivyaNetworkError extends RivyaError {
  override readonly name = 'RivyaNetworkError';
  readonly retryable: boolean;
  readonly permanent: PermanentNetworkFailure | undefined;
  constructor(
    message: string,
    readonly causeCode: string | undefined,
  ) {
    super(message);
    this.permanent = permanentNetworkFailure(causeCode);
    this.retryable = this.permanent === undefined;
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
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Rivya's API never redirects. A 3xx means a proxy, a misconfigured base URL or a hijacked host:
 * following it would re-send the API key (and a paid POST with its Idempotency-Key) to whatever the
 * Location names, so the client does not follow it and a retry would meet the same answer.
 */
export class RivyaUnexpectedRedirectError extends RivyaError {
  override readonly name = 'RivyaUnexpectedRedirectError';
  readonly code = 'unexpected_redirect';
  readonly retryable = false;
  constructor(
    message: string,
    readonly status: number,
    /** The redirect target's origin (scheme, host, port) only, redacted; null when none was sent. */
    readonly locationOrigin: string | null,
  ) {
    super(message);
  }
}

/**
 * A 2xx body whose decoded size passed the client's cap (`maxResponseBytes`): the read stopped and
 * the connection was dropped at the cap. Documented answers are a few KB, so an answer a thousand
 * times that (a decompression bomb, a runaway proxy) is not a glitch a retry would fix, and each
 * retry would cost another full read: not retryable.
 */
export class RivyaResponseTooLargeError extends RivyaError {
  override readonly name = 'RivyaResponseTooLargeError';
  readonly code = 'response_too_large';
  readonly retryable = false;
  constructor(
    readonly status: number,
    readonly limitBytes: number,
  ) {
    super(`Rivya returned a ${status} whose body is over the ${limitBytes}-byte limit (decoded)`);
  }
}

/** Removes every occurrence of the secret from text that came off the wire or out of a stack. */
export function redactSecret(text: string, secret: string | undefined): string {
  return redactSecrets(text, [secret]);
}
