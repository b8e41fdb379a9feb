/**
 * Which addresses and host names count as public, for every place that refuses to talk to the
 * local machine or a private network on someone else's say-so: the reference-URL guard
 * (`activities/reference/url-guard.ts`) and the simulator's webhook URL rules. One classification,
 * so the two cannot drift apart.
 */
import ipaddr from 'ipaddr.js';

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries. */
function parseUnmapped(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed;
}

/**
 * Public unicast only: not loopback, private, link-local (cloud metadata lives there), CGNAT,
 * unique-local, multicast, unspecified or reserved. `address` must be an IP literal.
 */
export function isPublicAddress(address: string): boolean {
  return parseUnmapped(address).range() === 'unicast';
}

/** 127.0.0.0/8 and ::1 (and their IPv4-mapped forms). `address` must be an IP literal. */
export function isLoopbackAddress(address: string): boolean {
  return parseUnmapped(address).range() === 'loopback';
}

/** Host names that name the metadata service or the local machine without resolving through DNS. */
const LOCAL_HOSTNAMES = new Set(['localhost', 'metadata.google.internal', 'metadata']);

/** A URL's hostname as compared here: lower case, IPv6 brackets removed. */
export function bareHostname(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** `localhost` and anything under `.localhost` (RFC 6761): always the local machine. */
export function isLoopbackHostname(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The local machine or a metadata service, by name alone. `host` as `bareHostname` returns it. */
export function isLocalHostname(host: string): boolean {
  return LOCAL_HOSTNAMES.has(host) || isLoopbackHostname(host);
}
