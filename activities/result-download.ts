/**
 * Opens a result video's URL as a stream, under the same server-side request forgery guard as
 * reference downloads (activities/reference/url-guard.ts): https only, public addresses only
 * (checked inside the socket's DNS lookup), each redirect hop re-checked, no credentials in URLs.
 * Loopback and plain http only under the worker's opt-in (RIVYA_REFERENCE_URL_ALLOW_PRIVATE), as
 * for references. Nothing is sent but the request itself: no API key, no cookies.
 */
import type { Readable } from 'node:stream';
import fetch, { type Response } from 'node-fetch';
import { blockedUrlReason, checkReferenceUrl, referenceAgents, type ReferenceUrlPolicy } from './reference/url-guard';

/** The host answered something no retry will change (refused URL, 4xx, not a redirect we follow). */
export class ResultUrlRejectedError extends Error {
  override readonly name = 'ResultUrlRejectedError';
}

const DEFAULT_MAX_REDIRECTS = 3;
/** The response's headers must arrive within this; the body is bounded by the stall watchdog instead. */
const HEADERS_TIMEOUT_MS = 30_000;

/** The URL without its query (signed CDN URLs carry tokens there): what messages and logs may show. */
export function displayResultUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** The guard's refusal in the words of a result URL (its messages name reference.url). */
function refusal(reason: string): ResultUrlRejectedError {
  return new ResultUrlRejectedError(`result URL refused: ${reason.replace(/^reference\.url: /, '')}`);
}

function parse(raw: string, base?: URL): URL {
  try {
    return new URL(raw, base);
  } catch {
    throw new ResultUrlRejectedError(base ? 'result URL: the host redirected to an invalid URL' : 'result URL: not a valid URL');
  }
}

async function fetchFollowingRedirects(start: URL, policy: ReferenceUrlPolicy, signal: AbortSignal): Promise<Response> {
  const agents = referenceAgents(policy);
  let url = start;
  for (let hop = 0; hop <= (policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS); hop += 1) {
    checkReferenceUrl(url, policy);
    const response = await fetch(url.toString(), {
      redirect: 'manual',
      agent: (parsed) => (parsed.protocol === 'http:' ? agents.http : agents.https),
      signal: signal as never,
      headers: { Accept: 'video/mp4, video/quicktime' },
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      response.body.resume();
      url = parse(location, url);
      continue;
    }
    return response;
  }
  throw new ResultUrlRejectedError('result URL: too many redirects');
}

/**
 * The video's body as a stream, once the host answered 200 within the headers timeout. A 5xx or a
 * network failure is thrown as is (transient: the activity's retry opens it again).
 */
export async function openResultVideo(rawUrl: string, policy: ReferenceUrlPolicy, signal: AbortSignal): Promise<Readable> {
  const headersTimeout = AbortSignal.timeout(HEADERS_TIMEOUT_MS);
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  const onHeadersTimeout = () => controller.abort(new Error(`no answer from ${displayResultUrl(rawUrl)} within ${HEADERS_TIMEOUT_MS} ms`));
  headersTimeout.addEventListener('abort', onHeadersTimeout, { once: true });
  try {
    const response = await fetchFollowingRedirects(parse(rawUrl), policy, controller.signal);
    if (response.status >= 500) {
      response.body.resume();
      throw new Error(`${displayResultUrl(rawUrl)} answered HTTP ${response.status}`);
    }
    if (!response.ok) {
      response.body.resume();
      throw new ResultUrlRejectedError(`${displayResultUrl(rawUrl)} answered HTTP ${response.status}`);
    }
    return response.body as unknown as Readable;
  } catch (err) {
    // Thrown by the guard directly, or from the socket's DNS lookup wrapped in node-fetch's FetchError.
    const blocked = blockedUrlReason(err);
    if (blocked) throw refusal(blocked);
    throw err;
  } finally {
    // The body keeps streaming under the caller's signal (and its stall watchdog), not the headers timeout.
    headersTimeout.removeEventListener('abort', onHeadersTimeout);
  }
}
