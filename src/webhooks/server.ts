/**
 * The receiver as its own small HTTP server: `POST <path>` takes deliveries, `GET /healthz` says
 * the process is up (it does not call Temporal: a liveness check must not fail every replica at
 * once when Temporal blips — deliveries answer 503 then, and Rivya redelivers). Plain HTTP on
 * 127.0.0.1 by default: TLS belongs to the reverse proxy or load balancer in front (D8 requires an
 * https URL).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { createBoundedServer, resolveHttpBounds, type HttpBounds } from '../internal/net/http-bounds';
import { createRivyaWebhookHandler, type RivyaWebhookHandler, type RivyaWebhookHandlerOptions } from './handler';
import type { WebhookStats } from './outcomes';
import { WebhookConfigError } from './secrets';

export const DEFAULT_WEBHOOK_HOST = '127.0.0.1';
export const DEFAULT_WEBHOOK_PATH = '/webhooks/rivya';
export const HEALTH_PATH = '/healthz';
/**
 * A delivery is small and Rivya gives up after 10 s (S10): 10 s for the head (a silent or trickling
 * socket), 30 s for the whole request, 256 sockets at once (× the 256 KiB body cap: 64 MiB at most).
 */
export const DEFAULT_WEBHOOK_HTTP_BOUNDS: Readonly<HttpBounds> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
};

export interface StartWebhookReceiverOptions extends Omit<RivyaWebhookHandlerOptions, 'client'> {
  /** Port to listen on; default 0 (a free port, see the returned `port`). */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Where deliveries are posted; default /webhooks/rivya. */
  path?: string;
  /** A Temporal client to use (not closed by `close()`). */
  client?: Client;
  /**
   * Without `client`: how to reach Temporal (e.g. from @temporalio/envconfig). The connection is
   * lazy, so the receiver starts while Temporal is down and answers 503 until it is back;
   * `close()` closes it.
   */
  connection?: ConnectionOptions;
  /** Namespace for the client made from `connection`; default 'default'. */
  namespace?: string;
  /** Socket timeouts and the connection cap (src/internal/net/http-bounds.ts); default DEFAULT_WEBHOOK_HTTP_BOUNDS. */
  bounds?: Partial<HttpBounds>;
}

export interface RunningWebhookReceiver {
  /** e.g. http://127.0.0.1:8788/webhooks/rivya */
  url: string;
  port: number;
  stats(): WebhookStats;
  /** Stops accepting, lets in-flight deliveries finish, closes an owned Temporal connection. */
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: StartWebhookReceiverOptions): Promise<RunningWebhookReceiver> {
  const {
    port = 0,
    host = DEFAULT_WEBHOOK_HOST,
    path = DEFAULT_WEBHOOK_PATH,
    client: given,
    connection: connectionOptions,
    namespace,
    bounds: givenBounds,
    ...handlerOptions
  } = options;
  const bounds = resolveHttpBounds(DEFAULT_WEBHOOK_HTTP_BOUNDS, givenBounds);
  if (!path.startsWith('/') || /[?#\s]/.test(path))
    throw new WebhookConfigError('path must start with / and hold no query, fragment or space');
  if (given && connectionOptions) throw new WebhookConfigError('give either a client or connection options, not both');

  const connection = given ? undefined : Connection.lazy(connectionOptions ?? {});
  const client = given ?? new Client({ connection: connection!, namespace: namespace ?? 'default' });
  let handler: RivyaWebhookHandler;
  try {
    handler = createRivyaWebhookHandler({ ...handlerOptions, client });
  } catch (err) {
    await connection?.close();
    throw err;
  }

  const server: Server = createBoundedServer(bounds, (req, res) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname === path) {
      void handler(req, res);
      return;
    }
    if (pathname === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : '{"ok":true}');
      return;
    }
    // Not a delivery: answered, not counted (scanners and typos should not skew the outcome counters).
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await connection?.close();
    throw err;
  }

  const bound = (server.address() as AddressInfo).port;
  const displayHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${displayHost}:${bound}${path}`,
    port: bound,
    stats: () => handler.stats(),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await connection?.close();
      })()),
  };
}
