/**
 * A Temporal address and the two ways reaching it fails, worded for a person: an address that is
 * not host:port is a configuration error named as such (not "unreachable"), and a server that does
 * not answer is named by its address instead of a transport dump (`tonic::transport::Error(...)`).
 * Shared by the worker's connection and the CLI's; no SDK import, so the CLI's light commands stay light.
 */
import { Sora2ConfigError } from './config-error';

/** TEMPORAL_ADDRESS (or the envconfig profile's address) is not host:port. */
export class Sora2TemporalAddressError extends Sora2ConfigError {
  override readonly name = 'Sora2TemporalAddressError';
}

/** Nothing answered at the address: the server is down, or the address points elsewhere. */
export class Sora2TemporalUnreachableError extends Error {
  override readonly name = 'Sora2TemporalUnreachableError';
  constructor(
    readonly address: string,
    cause: unknown,
    /** The connect timeout that ran out, when there was one: said in the message. */
    timeoutMs?: number,
  ) {
    const within = timeoutMs === undefined ? '' : ` within ${timeoutMs / 1000}s`;
    super(
      `cannot reach the Temporal server at ${address}${within} (is it running? set TEMPORAL_ADDRESS, or start one with \`rivya-sora2 dev\`)`,
      {
        cause,
      },
    );
  }
}

/** Why `address` is not host:port (a name, IPv4 or [IPv6], and a port 1–65535), or undefined. */
export function temporalAddressProblem(address: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port < 1 || port > 65_535)
    return `the Temporal address must be host:port with a port from 1 to 65535 (got ${JSON.stringify(address).slice(0, 120)})`;
  return undefined;
}
