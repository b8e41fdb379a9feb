/**
 * What the Rivya client's HTTP exchanges become when observed: a CLIENT span per call (when a
 * tracer is given) and a count of the failed ones by error code. Attributes are chosen so that
 * nothing secret or personal leaves the worker: the method, the route as a template (ids replaced),
 * the status, Rivya's request id and the activity's attempt — never the API key (it is only in a
 * header the observer never sees), never the prompt or any body, never an error message (Rivya may
 * quote the request in it): only the error's code.
 */
import type { SpanKind, SpanStatusCode, Tracer } from '@opentelemetry/api';
import type { MetricMeter } from '@temporalio/common';
import {
  DOCUMENTED_ERROR_CODES,
  RivyaApiError,
  RivyaNetworkError,
  RivyaTimeoutError,
  RivyaAbortedError,
  RivyaResponseError,
} from '../rivya/errors';
import type { RivyaRequestEnd, RivyaRequestObserver } from '../rivya/client';
import { MetricTags, RivyaMetrics } from '../../workflows/common/metric-names';
import { activityAttempt, activityMeter } from './activity-metrics';

/**
 * OpenTelemetry's enum values, written out: the observer counts errors on every worker, tracing or not,
 * and `@opentelemetry/api` is an optional peer that only tracing needs. The values are part of the
 * OTel API's stable contract (SpanKind.CLIENT = 2, SpanStatusCode.ERROR = 2).
 */
const SPAN_KIND_CLIENT = 2 as SpanKind.CLIENT;
const SPAN_STATUS_ERROR = 2 as SpanStatusCode.ERROR;

/** Span attribute keys (OpenTelemetry's HTTP names, plus Rivya's own). */
export const SpanAttributes = {
  method: 'http.method',
  route: 'http.route',
  statusCode: 'http.status_code',
  requestId: 'rivya.request_id',
  attempt: 'rivya.retry_attempt',
  errorType: 'error.type',
} as const;

/** The collections whose next path segment is an id: `/api/v1/generations/gen_1` → `/api/v1/generations/{id}`. */
const COLLECTIONS_WITH_IDS = new Set(['generations', 'files', 'webhooks']);

/** The endpoint template of a path: query dropped, every id segment replaced by `{id}`. */
export function routeOf(path: string): string {
  const segments = path.split(/[?#]/, 1)[0]!.split('/');
  return segments.map((segment, i) => (i > 0 && COLLECTIONS_WITH_IDS.has(segments[i - 1]!) && segment !== '' ? '{id}' : segment)).join('/');
}

/** Documented codes (D6) and the client's own: anything else is counted by its status, so the tag stays bounded. */
const KNOWN_API_CODES: ReadonlySet<string> = new Set([...Object.keys(DOCUMENTED_ERROR_CODES), 'unexpected_redirect', 'response_too_large']);

/** The error's code for a tag: bounded to a fixed vocabulary whatever an upstream answer says. */
export function errorCodeOf(error: Error, status: number | undefined): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && KNOWN_API_CODES.has(code)) return code;
  if (error instanceof RivyaApiError) return `http_${error.status}`;
  if (error instanceof RivyaTimeoutError) return 'timeout';
  if (error instanceof RivyaAbortedError) return 'aborted';
  if (error instanceof RivyaNetworkError) return error.permanent ?? 'network_error';
  if (error instanceof RivyaResponseError) return 'malformed_response';
  return status === undefined ? 'client_error' : `http_${status}`;
}

export interface RivyaRequestObserverOptions {
  /** Spans only with a tracer (tracing on); errors are counted either way. */
  tracer?: Tracer;
  /** Where errors are counted; default: the running activity's meter (none outside an activity). */
  meter?: () => MetricMeter | undefined;
}

export function createRivyaRequestObserver(options: RivyaRequestObserverOptions = {}): RivyaRequestObserver {
  const meterOf = options.meter ?? activityMeter;
  return {
    start({ method, path }) {
      const route = routeOf(path);
      const attempt = activityAttempt();
      // startSpan takes the active context as parent: the activity's span, by the context manager.
      const span = options.tracer?.startSpan(`${method} ${route}`, {
        kind: SPAN_KIND_CLIENT,
        attributes: {
          [SpanAttributes.method]: method,
          [SpanAttributes.route]: route,
          ...(attempt !== undefined ? { [SpanAttributes.attempt]: attempt } : {}),
        },
      });
      return (end: RivyaRequestEnd) => {
        const code = end.error ? errorCodeOf(end.error, end.status) : undefined;
        if (code !== undefined) {
          const { name, description } = RivyaMetrics.httpErrors;
          meterOf()
            ?.createCounter(name, undefined, description)
            .add(1, { [MetricTags.code]: code, [MetricTags.route]: route });
        }
        if (!span) return;
        if (end.status !== undefined) span.setAttribute(SpanAttributes.statusCode, end.status);
        if (end.requestId !== undefined) span.setAttribute(SpanAttributes.requestId, end.requestId);
        if (code !== undefined) {
          span.setAttribute(SpanAttributes.errorType, code);
          span.setStatus({ code: SPAN_STATUS_ERROR, message: code });
        }
        span.end();
      };
    },
  };
}
