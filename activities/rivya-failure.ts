/**
 * Turns client errors into the ApplicationFailures Temporal retries by: `rivya:<code>` types,
 * non-retryable exactly when a retry can't help, and `nextRetryDelay` honouring Retry-After.
 */
import { Context, CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  RivyaAbortedError,
  RivyaApiError,
  RivyaError,
  RivyaNetworkError,
  RivyaResponseError,
  RivyaResponseTooLargeError,
  RivyaTimeoutError,
  RivyaUnexpectedRedirectError,
} from '../src/rivya';
import { RIVYA_ERROR_TYPE_PREFIX } from '../workflows/common/failures';

/** OpenAI-style clients cap a server's Retry-After at 60 s; so do we. */
export const MAX_RETRY_AFTER_MS = 60_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;

/** Full-jitter exponential backoff for a 429 that says nothing about when to come back. */
function jitteredBackoffMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

function typeOf(err: RivyaError): string {
  if (err instanceof RivyaApiError) return err.code;
  if (err instanceof RivyaTimeoutError) return 'timeout';
  // A permanent socket failure (bad TLS certificate, host that does not exist) says which.
  if (err instanceof RivyaNetworkError) return err.permanent ?? 'network_error';
  if (err instanceof RivyaUnexpectedRedirectError) return err.code;
  if (err instanceof RivyaResponseTooLargeError) return err.code;
  if (err instanceof RivyaResponseError) return 'malformed_response';
  return 'client_error';
}

export function toActivityFailure(err: unknown): Error {
  if (err instanceof RivyaAbortedError) return new CancelledFailure('activity cancelled while calling Rivya');
  if (!(err instanceof RivyaError)) return err instanceof Error ? err : new Error(String(err));
  let nextRetryDelay: number | undefined;
  if (err instanceof RivyaApiError && err.retryable) {
    if (err.retryAfterMs !== undefined) nextRetryDelay = Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS);
    else if (err.status === 429) nextRetryDelay = jitteredBackoffMs(currentAttempt());
  }
  // Everything below is already scrubbed by the client (RivyaClient.scrub: every form of the key
  // redacted, lengths bounded) before the error was built; the error never holds the key itself.
  return ApplicationFailure.create({
    type: `${RIVYA_ERROR_TYPE_PREFIX}${typeOf(err)}`,
    message: err.message,
    nonRetryable: !err.retryable,
    nextRetryDelay,
    details: detailsOf(err),
  });
}

function detailsOf(err: RivyaError): unknown[] {
  if (err instanceof RivyaApiError) {
    return [{ code: err.code, status: err.status, requestId: err.requestId ?? null, retryAfterMs: err.retryAfterMs ?? null }];
  }
  if (err instanceof RivyaNetworkError && err.permanent) return [{ causeCode: err.causeCode ?? null }];
  if (err instanceof RivyaUnexpectedRedirectError) return [{ status: err.status, locationOrigin: err.locationOrigin }];
  if (err instanceof RivyaResponseTooLargeError) return [{ status: err.status, limitBytes: err.limitBytes }];
  return [];
}

/** Runs one Rivya call and rethrows its failure in Temporal's terms. */
export async function callRivya<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
