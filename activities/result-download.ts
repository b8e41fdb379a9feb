/**
 * Opens a result video's URL as a stream, under the same server-side request forgery guard as
 * reference downloads (activities/reference/url-guard.ts): https only, public addresses only
 * (checked inside the socket's DNS lookup), each redirect hop re-checked, no credentials in URLs.
 * Loopback and plain http only under the worker's opt-in (RIVYA_REFERENCE_URL_ALLOW_PRIVATE), as
 * for references. Nothing is sent but the request itself: no API key, no cookies.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
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

/** One GET through the guarded agents; resolves with the response once its headers arrived. */
function get(url: URL, policy: ReferenceUrlPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  const agents = referenceAgents(policy);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'GET',
      agent: url.protocol === 'http:' ? agents.http : agents.https,
      headers: { Accept: 'video/mp4, video/quicktime' },
      signal,
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
}

async function getFollowingRedirects(start: URL, policy: ReferenceUrlPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  let url = start;
  for (let hop = 0; hop <= (policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS); hop += 1) {
    checkReferenceUrl(url, policy);
    const response = await get(url, policy, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      url = parse(location, url);
      continue;
    }
    return response;
  }
  throw new ResultUrlRejectedError('result URL: too many redirects');
}

/**
 * The video's body as a stream, once the host answered 200 within the headers timeout. A 5xx or a
 * network failure is thrown as is (transient: the activity's retry opens it again). Node's own
 * response stream is returned: a connection that drops before the declared Content-Length fails it
 * (node-fetch 2 would leave such a body hanging).
 */
export async function openResultVideo(rawUrl: string, policy: ReferenceUrlPolicy, signal: AbortSignal): Promise<Readable> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  const headersTimer = setTimeout(
    () => controller.abort(new Error(`no answer from ${displayResultUrl(rawUrl)} within ${HEADERS_TIMEOUT_MS} ms`)),
    HEADERS_TIMEOUT_MS,
  );
  try {
    const response = await getFollowingRedirects(parse(rawUrl), policy, controller.signal);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      response.resume();
      const message = `${displayResultUrl(rawUrl)} answered HTTP ${status}`;
      throw status >= 500 || status === 408 || status === 429 ? new Error(message) : new ResultUrlRejectedError(message);
    }
    return response;
  } catch (err) {
    // Thrown by the guard directly, or from the socket's DNS lookup (the error keeps the guard's code).
    const blocked = blockedUrlReason(err);
    if (blocked) throw refusal(blocked);
    throw err;
  } finally {
    // The body keeps streaming under the caller's signal (and its stall watchdog), not the headers timeout.
    clearTimeout(headersTimer);
  }
}
