/**
 * Server-side request forgery guard for reference and result URLs: only https, and only public
 * unicast addresses — no loopback, private, link-local (cloud metadata lives there), CGNAT,
 * multicast or reserved ranges. The check runs inside the socket's DNS lookup, so a name that
 * resolves (or re-resolves) to a forbidden address is refused at connect time, redirects included.
 * The private-network opt-in admits loopback and private ranges, never link-local or a cloud
 * metadata service: it is meant for a simulator or an internal media store, not for credentials.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { bareHostname, isLocalHostname, isMetadataAddress, isMetadataHostname, isPublicAddress } from '../../src/internal/net/ip-address';

export { isPublicAddress };

export interface ReferenceUrlPolicy {
  /** Permit plain http (local development against the simulator). Default false. */
  allowHttp?: boolean;
  /**
   * Permit loopback and private targets (tests, the simulator, an internal media store); link-local
   * and cloud metadata addresses and names stay refused. Default false.
   */
  allowPrivateNetworks?: boolean;
  /** Hosts exempt from the address check (an internal media store you trust), matched exactly. */
  allowedHosts?: string[];
  /** Extra trusted CA certificate(s), PEM, for a media store behind a private CA. */
  ca?: string | string[];
  /** Redirects followed, each re-checked. Default 3. */
  maxRedirects?: number;
  /** Whole download, body included. Default 30 s. */
  timeoutMs?: number;
}

/** Every reason the guard refuses a URL, by code, with the message the refusal reports. */
const BLOCKED_URL_MESSAGES = {
  REFERENCE_URL_NOT_HTTPS: 'reference.url: must be https',
  REFERENCE_URL_HAS_CREDENTIALS: 'reference.url: credentials in URLs are not allowed',
  REFERENCE_URL_LOCAL_HOST: 'reference.url: points at a local or metadata host',
  REFERENCE_URL_NON_PUBLIC_ADDRESS: 'reference.url: points at a non-public address',
  REFERENCE_URL_RESOLVES_NON_PUBLIC: 'reference.url: resolves to a non-public address',
  REFERENCE_URL_METADATA:
    'reference.url: points at a link-local or cloud metadata address (refused even where private networks are allowed)',
} as const;
export type BlockedUrlCode = keyof typeof BLOCKED_URL_MESSAGES;

/**
 * The guard's refusal. It carries a `code` (as Node's system errors do) because the refusal raised
 * inside the socket's DNS lookup reaches the caller wrapped in node-fetch's FetchError, which keeps
 * the original's `code` but not the error itself.
 */
export class BlockedUrlError extends Error {
  override readonly name = 'BlockedUrlError';
  constructor(readonly code: BlockedUrlCode) {
    super(BLOCKED_URL_MESSAGES[code]);
  }
}

function isBlockedUrlCode(code: unknown): code is BlockedUrlCode {
  return typeof code === 'string' && Object.hasOwn(BLOCKED_URL_MESSAGES, code);
}

/** The guard's refusal message, whether the error is the guard's own or a wrapper that kept its code. */
export function blockedUrlReason(err: unknown): string | undefined {
  if (err instanceof BlockedUrlError) return err.message;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return isBlockedUrlCode(code) ? BLOCKED_URL_MESSAGES[code] : undefined;
}

/** Checks what can be checked from the URL alone; DNS answers are checked by `guardedLookup`. */
export function checkReferenceUrl(url: URL, policy: ReferenceUrlPolicy): void {
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw new BlockedUrlError('REFERENCE_URL_NOT_HTTPS');
  }
  if (url.username || url.password) throw new BlockedUrlError('REFERENCE_URL_HAS_CREDENTIALS');
  const host = bareHostname(url.hostname);
  if (policy.allowedHosts?.includes(host)) return;
  if (policy.allowPrivateNetworks) {
    if (isMetadataHostname(host) || (isIP(host) && isMetadataAddress(host))) throw new BlockedUrlError('REFERENCE_URL_METADATA');
    return;
  }
  if (isLocalHostname(host)) {
    throw new BlockedUrlError('REFERENCE_URL_LOCAL_HOST');
  }
  if (isIP(host) && !isPublicAddress(host)) throw new BlockedUrlError('REFERENCE_URL_NON_PUBLIC_ADDRESS');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Why an address a name resolved to is refused under `policy`, or undefined when it may be used. */
function resolvedRefusal(policy: ReferenceUrlPolicy, address: string): BlockedUrlCode | undefined {
  if (!policy.allowPrivateNetworks) return isPublicAddress(address) ? undefined : 'REFERENCE_URL_RESOLVES_NON_PUBLIC';
  return isMetadataAddress(address) ? 'REFERENCE_URL_METADATA' : undefined;
}

function guardedLookup(
  policy: ReferenceUrlPolicy,
  allowedHosts: readonly string[],
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  callback: LookupCallback,
): void {
  if (allowedHosts.includes(bareHostname(hostname))) return dnsLookup(hostname, options as LookupAllOptions, callback as never);
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    if (list.length === 0) return callback(new BlockedUrlError('REFERENCE_URL_RESOLVES_NON_PUBLIC'), []);
    const refusal = list.map((entry) => resolvedRefusal(policy, entry.address)).find((code) => code !== undefined);
    if (refusal) return callback(new BlockedUrlError(refusal), []);
    if ((options as LookupAllOptions).all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

/** Agents whose every connection goes through the guarded lookup, the private-network opt-in included. */
export function referenceAgents(policy: ReferenceUrlPolicy): { http: HttpAgent; https: HttpsAgent } {
  const allowedHosts = (policy.allowedHosts ?? []).map((host) => host.toLowerCase());
  const lookup = guardedLookup.bind(null, policy, allowedHosts) as never;
  return { http: new HttpAgent({ lookup }), https: new HttpsAgent({ lookup, ca: policy.ca }) };
}
