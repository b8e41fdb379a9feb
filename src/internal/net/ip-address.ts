/**
 * Which addresses and host names count as public, for every place that refuses to talk to the
 * local machine or a private network on someone else's say-so: the reference-URL guard
 * (`activities/reference/url-guard.ts`) and the simulator's webhook URL rules. One classification,
 * so the two cannot drift apart.
 */
import ipaddr from 'ipaddr.js';

/** The low 32 bits of an IPv6 address as IPv4. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12));
}

/**
 * An IPv4-mapped (`::ffff:10.0.0.1`) or IPv4-compatible (`::10.0.0.1`, deprecated ::/96, which a
 * URL spells `[::a00:1]` and ipaddr.js calls plain unicast) IPv6 address is judged as the IPv4
 * address it carries. `::` and `::1` keep their own meaning.
 */
function parseUnmapped(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed;
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.match(ipaddr.IPv6.parse('::'), 96) && !['unspecified', 'loopback'].includes(v6.range())) return embeddedIPv4(v6);
  return v6;
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

/**
 * Cloud metadata services (instance credentials live there) outside the link-local ranges: AWS's
 * IPv6 endpoints (fd00:ec2::254 and its neighbours) and Alibaba Cloud's 100.100.100.200. With
 * link-local (169.254.0.0/16, fe80::/10: AWS, GCP, Azure, OCI…) they are refused even where private
 * networks are allowed.
 */
const METADATA_RANGES: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [
  ipaddr.parseCIDR('fd00:ec2::/32'),
  ipaddr.parseCIDR('100.100.100.200/32'),
];

/** NAT64's well-known prefix (64:ff9b::/96): a metadata address reached through a NAT64 gateway. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Link-local or a cloud metadata address (in any IPv6 spelling of it): never a media host, whatever
 * the worker allows. `address` must be an IP literal.
 */
export function isMetadataAddress(address: string): boolean {
  let parsed = parseUnmapped(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).match(NAT64)) parsed = embeddedIPv4(parsed as ipaddr.IPv6);
  if (parsed.range() === 'linkLocal') return true;
  return METADATA_RANGES.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
}

/** Names of metadata services, resolved by the cloud's own DNS to a metadata address. */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** A URL's hostname as compared here: lower case, IPv6 brackets and a trailing dot (the same host to DNS) removed. */
export function bareHostname(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** A metadata service by name alone. `host` as `bareHostname` returns it. */
export function isMetadataHostname(host: string): boolean {
  return METADATA_HOSTNAMES.has(host);
}

/** `localhost` and anything under `.localhost` (RFC 6761): always the local machine. */
export function isLoopbackHostname(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The local machine or a metadata service, by name alone. `host` as `bareHostname` returns it. */
export function isLocalHostname(host: string): boolean {
  return isMetadataHostname(host) || isLoopbackHostname(host);
}
