/**
 * How long and how many: the socket bounds of this project's own HTTP servers (the webhook
 * receiver and the codec server), in one place.
 *
 * Why not just `server.headersTimeout` / `server.requestTimeout`: Node enforces those only when it
 * sweeps its connection list, every `connectionsCheckingInterval` — 30 s by default, fixed when the
 * server is created. A silent or header-trickling socket then lived 30 s instead of the 10 s
 * configured, a 1-byte-per-second body 60 s instead of 30 s. Here the sweep runs at least every
 * second (more often for bounds under 2 s), so each bound holds to within one sweep. And a cap on
 * open connections: past it, Node closes a new connection as soon as it is accepted, so a crowd of
 * slow clients costs at most `maxConnections` sockets (and as many bodies in memory).
 *
 * What each bound covers:
 *  - headersTimeoutMs: from the connection (or the request's first byte) to the end of the head —
 *    a socket that never sends anything, or sends its headers a byte at a time;
 *  - requestTimeoutMs: the whole request, body included (a trickled or stalled body). Node answers
 *    408 and closes. Not the handler's own work after the body arrived;
 *  - keepAliveTimeoutMs: idle between two requests on a kept-alive connection;
 *  - maxConnections: open sockets at once.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpBounds {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export class HttpBoundsError extends Error {
  override readonly name = 'HttpBoundsError';
}

/** `given` over `defaults`, checked: whole milliseconds ≥ 100, headers ≤ request (Node's rule), 1–100,000 connections. */
export function resolveHttpBounds(defaults: HttpBounds, given: Partial<HttpBounds> = {}): HttpBounds {
  const bounds = { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
  for (const name of ['headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs'] as const) {
    const value = bounds[name];
    if (!Number.isInteger(value) || value < 100 || value > 3_600_000)
      throw new HttpBoundsError(`${name} must be an integer from 100 to 3600000 (ms)`);
  }
  if (bounds.headersTimeoutMs > bounds.requestTimeoutMs) throw new HttpBoundsError('headersTimeoutMs must not exceed requestTimeoutMs');
  if (!Number.isInteger(bounds.maxConnections) || bounds.maxConnections < 1 || bounds.maxConnections > 100_000)
    throw new HttpBoundsError('maxConnections must be an integer from 1 to 100000');
  return bounds;
}

/** The sweep that enforces the head and request timeouts: at most 1 s, and under half the shorter bound. */
export function sweepIntervalMs(bounds: HttpBounds): number {
  return Math.max(50, Math.min(1_000, Math.floor(bounds.headersTimeoutMs / 2)));
}

/** A node:http server that holds every socket to `bounds`. */
export function createBoundedServer(bounds: HttpBounds, listener: RequestListener): Server {
  const server = createServer(
    {
      connectionsCheckingInterval: sweepIntervalMs(bounds),
      headersTimeout: bounds.headersTimeoutMs,
      requestTimeout: bounds.requestTimeoutMs,
      keepAliveTimeout: bounds.keepAliveTimeoutMs,
    },
    listener,
  );
  server.maxConnections = bounds.maxConnections;
  return server;
}
