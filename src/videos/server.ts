/**
 * The videos endpoint as its own HTTP server: the handler under /v1/videos, GET /healthz for
 * liveness (no Temporal call). Plain HTTP on 127.0.0.1 by default: binding elsewhere is the
 * caller's explicit choice, and TLS belongs to a proxy in front.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBoundedServer, resolveHttpBounds, type HttpBounds } from '../internal/net/http-bounds';
import { createVideosHandler, type VideosHandlerOptions } from './handler';

export const DEFAULT_VIDEOS_HOST = '127.0.0.1';
export const DEFAULT_VIDEOS_PORT = 8790;
/** Node's own cap on a request head (bytes): keys, idempotency keys and URLs are far shorter. */
export const VIDEOS_MAX_HEADER_BYTES = 16 * 1024;
/** A create with a 10 MB upload over a slow link may take a while; the head must come quickly. */
export const DEFAULT_VIDEOS_HTTP_BOUNDS: Readonly<HttpBounds> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
};

export interface ServeVideosOptions extends VideosHandlerOptions {
  /** Default 0 (a free port, see `port`). The CLI's default is 8790. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  bounds?: Partial<HttpBounds>;
}

export interface RunningVideosServer {
  /** The base URL for an OpenAI client: `http://host:port/v1`. */
  baseURL: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function serveVideos(options: ServeVideosOptions): Promise<RunningVideosServer> {
  const { port = 0, host = DEFAULT_VIDEOS_HOST, bounds, ...handlerOptions } = options;
  const handler = createVideosHandler(handlerOptions);
  const server = createBoundedServer(resolveHttpBounds(DEFAULT_VIDEOS_HTTP_BOUNDS, bounds), (req, res) => {
    if ((req.url === '/healthz' || req.url === '/v1/healthz') && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end('{"ok":true}');
      return;
    }
    void handler(req, res);
  });
  server.maxHeadersCount = 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const displayHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    baseURL: `http://${displayHost}:${bound}/v1`,
    port: bound,
    server,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}
