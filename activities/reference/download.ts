/**
 * Downloads a reference URL to a temporary file, streaming: at most 10 MB + 1 byte is read, the
 * whole exchange is bounded in time, and every redirect hop is re-checked by the URL guard.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/common';
import fetch, { type Response } from 'node-fetch';
import { permanentNetworkFailure } from '../../src/rivya/errors';
import { MAX_REFERENCE_BYTES } from '../../src/contract/models';
import { blockedUrlReason, checkReferenceUrl, referenceAgents, type ReferenceUrlPolicy } from './url-guard';
import { referenceDownloadFailed, referenceRejected } from './rejection';

export interface DownloadedReference {
  path: string;
  name: string | null;
  /** Removes the temporary file and its folder. */
  dispose(): Promise<void>;
}

/** What ReferenceUrlPolicy documents for an unset timeoutMs and maxRedirects. */
const DEFAULT_DOWNLOAD_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REDIRECTS = 3;

class TooLargeError extends Error {}

/** The file name the URL ends with; a malformed percent-escape there is a bad URL, not an outage. */
function nameFromUrl(url: URL): string | null {
  const last = url.pathname.split('/').filter(Boolean).pop();
  if (!last) return null;
  try {
    return decodeURIComponent(last).slice(0, 200);
  } catch {
    throw referenceRejected('reference.url: the path has a malformed percent-escape');
  }
}

/** A URL a retry cannot fix: unparseable, or a last path segment with a malformed percent-escape. */
function parseReferenceUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw referenceRejected(base ? 'reference.url: the host redirected to an invalid URL' : 'reference.url: not a valid URL');
  }
  nameFromUrl(url);
  return url;
}

/**
 * Socket failures a retry can't fix: the host's TLS certificate is unacceptable (self-signed,
 * expired, for another name, untrusted chain) or its name does not exist (ENOTFOUND, an NXDOMAIN
 * answer). EAI_AGAIN — the resolver could not answer — stays transient. Same table as the client's.
 */
function permanentDownloadFailure(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const kind = permanentNetworkFailure(typeof code === 'string' ? code : undefined);
  if (kind === 'tls_certificate_invalid') return `reference.url: the host's TLS certificate is not acceptable (${String(code)})`;
  if (kind === 'host_not_found') return `reference.url: the host name does not resolve (${String(code)})`;
  return undefined;
}

async function fetchFollowingRedirects(
  start: URL,
  policy: ReferenceUrlPolicy,
  signal: AbortSignal,
): Promise<{ response: Response; url: URL }> {
  const agents = referenceAgents(policy);
  let url = start;
  for (let hop = 0; hop <= (policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS); hop += 1) {
    checkReferenceUrl(url, policy);
    const response = await fetch(url.toString(), {
      redirect: 'manual',
      agent: (parsed) => (parsed.protocol === 'http:' ? agents.http : agents.https),
      signal: signal as never,
      headers: { Accept: 'image/jpeg, image/png, image/webp' },
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      response.body.resume();
      url = parseReferenceUrl(location, url);
      continue;
    }
    return { response, url };
  }
  throw referenceRejected('reference.url: too many redirects');
}

export async function downloadReference(rawUrl: string, policy: ReferenceUrlPolicy, cancel: AbortSignal): Promise<DownloadedReference> {
  const timeoutMs = policy.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([cancel, timeout]);
  const dir = await mkdtemp(join(tmpdir(), 'rivya-ref-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'reference');
  try {
    const { response, url } = await fetchFollowingRedirects(parseReferenceUrl(rawUrl), policy, signal);
    if (response.status >= 500) throw referenceDownloadFailed(`reference.url: the host answered HTTP ${response.status}`);
    if (!response.ok) throw referenceRejected(`reference.url: the host answered HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > MAX_REFERENCE_BYTES)
      throw referenceRejected(`reference.url: ${declared} bytes is over the ${MAX_REFERENCE_BYTES}-byte limit`);
    let received = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > MAX_REFERENCE_BYTES) return done(new TooLargeError());
        done(null, chunk);
      },
    });
    await pipeline(response.body, limit, createWriteStream(path));
    return { path, name: nameFromUrl(url), dispose };
  } catch (err) {
    await dispose();
    if (err instanceof TooLargeError) throw referenceRejected(`reference.url: over the ${MAX_REFERENCE_BYTES}-byte limit`);
    // Thrown by the guard directly, or from the socket's DNS lookup wrapped in a FetchError.
    const blocked = blockedUrlReason(err);
    if (blocked) throw referenceRejected(blocked);
    if (cancel.aborted) throw err;
    // A slow host may be slow only now: retried by the activity policy like a reset or a 5xx.
    if (timeout.aborted) throw referenceDownloadFailed(`reference.url: not downloaded within ${timeoutMs} ms`);
    if (err instanceof ApplicationFailure) throw err; // our own refusals from the try block keep their type
    const permanent = permanentDownloadFailure(err);
    if (permanent) throw referenceRejected(permanent);
    throw referenceDownloadFailed(`reference.url: download failed (${(err as Error).message})`);
  }
}
