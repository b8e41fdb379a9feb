/**
 * The codec server: Temporal's remote codec protocol over HTTP, so the Temporal UI and CLI can show
 * decrypted payloads to the people holding a token — and nobody else.
 *
 * Protocol: `POST …/encode` and `POST …/decode` with `{"payloads":[{"metadata":{k: base64},"data":
 * base64}]}` (protobuf JSON), answered in the same shape; only the last path segment names the
 * action, so the server can sit under any prefix. The UI adds `X-Namespace` (one key ring serves
 * every namespace here).
 *
 * Who may call: a token of RIVYA_CODEC_SERVER_TOKENS, given either
 *  - as `Authorization: Bearer <token>` — the Temporal CLI (`--codec-auth "Bearer <token>"`),
 *    scripts, proxies; or
 *  - as the path segment just before the action (`https://codec.example/<token>/decode`): the
 *    Temporal UI 2.42 cannot send a token of ours in a header (it sends `Authorization` only with
 *    "Pass the user access token", only to https endpoints, and then it is the UI login's OIDC
 *    token), so an operator pastes the endpoint *with* their token into the UI's codec settings
 *    (stored in that browser only), or the UI server is configured with it.
 * Anything else gets 401. Browsers are let in only from the configured origins (CORS); the
 * preflight carries no token and gets no payload. A refused caller's body is never read (the
 * connection closes after the answer); an accepted one is bounded in bytes (413) and counted in
 * payloads and keys on the raw bytes before it is parsed (json-shape.ts). Nothing here logs a
 * payload, a path (it may hold a token) or a header.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { createBoundedServer, resolveHttpBounds, type HttpBounds } from '../internal/net/http-bounds';
import { readRawBody, isJsonContentType } from '../webhooks/body';
import { PayloadDecryptionError } from './aes-gcm-codec';
import { checkJsonShape, type JsonShapeLimits } from './json-shape';
import { UnknownCodecKeyError } from './keys';
import { CodecServerConfigError, CodecServerTokens } from './tokens';

export const DEFAULT_CODEC_SERVER_HOST = '127.0.0.1';
export const DEFAULT_CODEC_SERVER_PORT = 8234;
/** Room for the 2 MB payload limit plus base64 growth, times a few payloads per request. */
export const DEFAULT_CODEC_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_CODEC_MAX_PAYLOADS = 1_000;
/** Members of one object: a payload's metadata holds a handful of keys (encoding, key id, …). */
const MAX_OBJECT_MEMBERS = 64;
/** `{payloads:[{metadata:{…}}]}`: nothing valid nests deeper. */
const MAX_DEPTH = 4;
export const CODEC_HEALTH_PATH = '/healthz';
/**
 * A codec request is one body, sent at once by a UI or CLI: 10 s for the head, 30 s for the whole
 * request, and 64 sockets — a few operators' browsers (six each) with room to spare.
 */
export const DEFAULT_CODEC_HTTP_BOUNDS: Readonly<HttpBounds> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
};
/** How long the rest of an oversized body is read and dropped before the connection is cut. */
const DISCARD_AFTER_413_MS = 2_000;

/** Browser origins allowed to call (exact `scheme://host[:port]`), separated by commas or spaces. */
export const CODEC_SERVER_ORIGINS_ENV = 'RIVYA_CODEC_SERVER_ORIGINS';

export interface StartCodecServerOptions {
  codec: PayloadCodec;
  /** Bearer tokens allowed to call (checked and kept only as digests). */
  tokens: readonly string[];
  /** Browser origins allowed by CORS, e.g. `http://127.0.0.1:8233`; none: browsers are refused. */
  allowedOrigins?: readonly string[];
  /** Default 0: a free port (see `port`). */
  port?: number;
  /** Default 127.0.0.1. Plain HTTP: put TLS in front of anything not on loopback. */
  host?: string;
  maxBodyBytes?: number;
  maxPayloads?: number;
  /** Socket timeouts and the connection cap (src/internal/net/http-bounds.ts); default DEFAULT_CODEC_HTTP_BOUNDS. */
  bounds?: Partial<HttpBounds>;
}

export interface RunningCodecServer {
  /** e.g. http://127.0.0.1:8234 (no token in it). */
  url: string;
  port: number;
  /** Answers given so far, by HTTP status: for tests and a stop line, never per request. */
  stats(): Record<number, number>;
  close(): Promise<void>;
}

/** `scheme://host[:port]` exactly as a browser sends it in `Origin`. */
export function parseOrigins(value: string | undefined, source = CODEC_SERVER_ORIGINS_ENV): string[] {
  const origins = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
      throw new CodecServerConfigError(
        `${source}: ${JSON.stringify(origin)} is not an origin like https://temporal-ui.example.com (no path, no trailing slash)`,
      );
    }
  }
  return [...new Set(origins)];
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const requestSchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(base64).nullish(),
      data: base64.nullish(),
    }),
  ),
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };

function fromJson(payload: z.output<typeof requestSchema>['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** `[…prefix, token?, action]` from the path; the action is the last segment. */
function routeOf(pathname: string): { action: string; tokenSegment: string | undefined } {
  const segments = pathname.split('/').filter(Boolean);
  return { action: segments.at(-1) ?? '', tokenSegment: segments.at(-2) };
}

export async function startCodecServer(options: StartCodecServerOptions): Promise<RunningCodecServer> {
  const tokens = new CodecServerTokens(options.tokens);
  const bounds = resolveHttpBounds(DEFAULT_CODEC_HTTP_BOUNDS, options.bounds);
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_CODEC_MAX_BODY_BYTES;
  const maxPayloads = options.maxPayloads ?? DEFAULT_CODEC_MAX_PAYLOADS;
  const counts: Record<number, number> = {};

  const shapeLimits: JsonShapeLimits = { maxArrayItems: maxPayloads, maxObjectMembers: MAX_OBJECT_MEMBERS, maxDepth: MAX_DEPTH };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    counts[status] = (counts[status] ?? 0) + 1;
    const text = body === undefined ? undefined : JSON.stringify(body);
    res.writeHead(status, {
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      'cache-control': 'no-store',
      // A refusal before the body was read (no token, wrong origin or type): the connection goes
      // once the answer is out, so the rest of the body is never read — neither by us nor by Node,
      // which would otherwise drain it to keep the connection alive.
      ...(status >= 400 && !res.req.complete ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    // Every answer varies by Origin (CORS headers are per origin): no cache may mix them up.
    res.setHeader('vary', 'Origin');
    if (origin !== undefined) {
      if (!allowedOrigins.has(origin)) {
        send(res, 403, { error: 'origin not allowed' });
        return;
      }
      res.setHeader('access-control-allow-origin', origin);
      // The UI's "Include cross-origin credentials" toggle needs this, or the browser drops the answer.
      res.setHeader('access-control-allow-credentials', 'true');
    }
    const pathname = new URL(req.url ?? '/', 'http://codec.invalid').pathname;
    if (pathname === CODEC_HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, req.method === 'HEAD' ? undefined : { ok: true });
      return;
    }
    const { action, tokenSegment } = routeOf(pathname);
    if (action !== 'encode' && action !== 'decode') {
      send(res, 404, { error: 'not found' });
      return;
    }
    if (req.method === 'OPTIONS') {
      if (origin === undefined) {
        send(res, 400, { error: 'a preflight needs an Origin' });
        return;
      }
      const headers: Record<string, string> = {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, x-namespace, authorization, authorization-extras',
        'access-control-max-age': '600',
      };
      // Chromium's Private Network Access asks before a public page may call a loopback/private host.
      if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true';
      send(res, 204, undefined, headers);
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: 'method not allowed' }, { allow: 'POST, OPTIONS' });
      return;
    }
    // Either place may carry the token; both are checked (constant time), neither short-circuits.
    const byHeader = tokens.matches(bearerToken(req));
    const byPath = tokens.matches(tokenSegment);
    if (!byHeader && !byPath) {
      send(res, 401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer realm="rivya-codec"' });
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      send(res, 415, { error: 'content-type must be application/json' });
      return;
    }
    const body = await readRawBody(req, maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'too-large') {
        send(res, 413, { error: `body larger than ${maxBodyBytes} bytes` }, { connection: 'close' });
        // The rest is discarded (no memory) for a moment, so a client still uploading reads the 413
        // instead of a reset; then the connection goes, whatever is still coming.
        req.resume();
        setTimeout(() => req.socket.destroy(), DISCARD_AFTER_413_MS).unref();
      } else if (!res.destroyed) send(res, 400, { error: 'incomplete body' });
      return;
    }
    // Counted on the bytes first: a body within the byte cap can still hold a million payloads.
    const shape = checkJsonShape(body.body, shapeLimits);
    if (!shape.ok) {
      if (shape.reason === 'too-many-items') send(res, 413, { error: `more than ${maxPayloads} payloads in one request` });
      else send(res, 400, { error: `not the protocol's shape (${shape.reason.replace(/-/g, ' ')})` });
      return;
    }
    let parsed: z.output<typeof requestSchema>;
    try {
      const result = requestSchema.safeParse(JSON.parse(body.body.toString('utf8')));
      if (!result.success) throw new Error('shape');
      parsed = result.data;
    } catch {
      send(res, 400, { error: 'expected {"payloads":[{"metadata":{…base64},"data":base64}]}' });
      return;
    }
    const payloads = parsed.payloads.map(fromJson);
    try {
      const converted = action === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
      send(res, 200, { payloads: converted.map(toJson) });
    } catch (err) {
      // Our own messages: they name a key id at most, never key material or payload bytes.
      if (err instanceof UnknownCodecKeyError || err instanceof PayloadDecryptionError) send(res, 422, { error: err.message });
      else send(res, 500, { error: `${action} failed` });
    }
  };

  const server: Server = createBoundedServer(bounds, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  const host = options.host ?? DEFAULT_CODEC_SERVER_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats: () => ({ ...counts }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}
