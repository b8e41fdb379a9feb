/**
 * What an injected fault does to one request, decided once from the fault's kind: the server only
 * reads the outcome, so the meaning of each `FaultKind` lives here and nowhere else.
 */
import type { FaultKind } from './config';
import type { FaultDecision } from './faults';
import { internalError, publicApiDisabled, rateLimited, type SimulatorHttpError } from './http';

/** How a handled request's successful answer reaches the caller. */
export type Delivery =
  /** Written as the handler answered. */
  | 'send'
  /** The work is committed, then the connection drops: the caller never learns the outcome. */
  | 'lose-response-after-commit'
  /** The work is committed, then a 200 whose body is not JSON is written. */
  | 'malformed-json-after-commit';

export type FaultOutcome =
  /** Answered with an error before the request is handled: nothing is committed. */
  | { kind: 'reject'; error: SimulatorHttpError }
  /** The connection is destroyed before the request is handled. */
  | { kind: 'reset-connection' }
  /** The request is handled after `delayMs`; its successful answer is delivered as `delivery` says. */
  | { kind: 'handle'; delayMs: number; delivery: Delivery };

export const NO_FAULT: FaultOutcome = { kind: 'handle', delayMs: 0, delivery: 'send' };

const TOO_MANY_REQUESTS = 'Too many requests; slow down.';

/** `now` dates the HTTP-date Retry-After; everything else is a function of the decision alone. */
export function decodeFault(decision: FaultDecision | undefined, now: number): FaultOutcome {
  if (!decision) return NO_FAULT;
  const { kind, rules } = decision;
  switch (kind) {
    case 'rate_limited':
      return { kind: 'reject', error: rateLimited(TOO_MANY_REQUESTS, { 'Retry-After': String(rules.retryAfterSeconds) }) };
    case 'rate_limited_no_retry_after':
      return { kind: 'reject', error: rateLimited(TOO_MANY_REQUESTS) };
    case 'rate_limited_http_date': {
      // An HTTP-date drops the milliseconds: the extra second keeps the wait at least retryAfterSeconds.
      const retryAt = new Date(now + rules.retryAfterSeconds * 1000 + 1000);
      return { kind: 'reject', error: rateLimited(TOO_MANY_REQUESTS, { 'Retry-After': retryAt.toUTCString() }) };
    }
    case 'server_error':
      return { kind: 'reject', error: internalError() };
    case 'unavailable':
      return { kind: 'reject', error: publicApiDisabled() };
    case 'reset':
      return { kind: 'reset-connection' };
    case 'slow':
      return { kind: 'handle', delayMs: rules.slowMs, delivery: 'send' };
    case 'lost_response':
      return { kind: 'handle', delayMs: 0, delivery: 'lose-response-after-commit' };
    case 'malformed_json':
      return { kind: 'handle', delayMs: 0, delivery: 'malformed-json-after-commit' };
    default:
      return unknownFault(kind);
  }
}

/** Compile-time guard: a new `FaultKind` without a case above does not build. */
function unknownFault(kind: never): never {
  throw new Error(`unknown fault kind ${String(kind as FaultKind)}`);
}
