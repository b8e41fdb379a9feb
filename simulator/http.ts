/** Small helpers for answering like Rivya does: JSON bodies and the documented error envelope. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

export class SimulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const validationFailed = (message: string) => new SimulatorHttpError(400, 'validation_failed', message);
export const notFound = (message = 'Resource not found.') => new SimulatorHttpError(404, 'not_found', message);
export const internalError = () => new SimulatorHttpError(500, 'internal_error', 'Internal error.');
/** The one 503: an injected `unavailable` fault and `publicApiDisabled` are the same outage to a client. */
export const publicApiDisabled = () => new SimulatorHttpError(503, 'public_api_disabled', 'The public API is disabled.');
export const rateLimited = (message: string, headers: Record<string, string> = {}) =>
  new SimulatorHttpError(429, 'rate_limited', message, headers);

/** What a route handler answers; the server decides how (and whether) it reaches the wire. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Any thrown value as the error a client sees: our own errors as they are, anything else a 500. */
export function toHttpError(err: unknown): SimulatorHttpError {
  if (err instanceof SimulatorHttpError) return err;
  // A caller that hung up mid-request (a SIGKILLed worker, a timeout) is not our error: nobody reads the answer.
  if (!isCallerGone(err)) console.error('[rivya-simulator] unexpected error', err);
  return internalError();
}

/** Node's error for a request body cut short because the client closed the connection. */
function isCallerGone(err: unknown): boolean {
  // Duck-typed: Node's own errors need not share this realm's Error (they do not under jest).
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted';
}

export function newRequestId(): string {
  return `req_${randomBytes(10).toString('hex')}`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: SimulatorHttpError, requestId: string): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message, requestId } },
    {
      'X-Request-Id': requestId,
      ...error.headers,
    },
  );
}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw validationFailed(`body: larger than ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<{ raw: Buffer; json: unknown }> {
  const raw = await readBody(req, limitBytes);
  try {
    return { raw, json: JSON.parse(raw.toString('utf8') || 'null') };
  } catch {
    throw validationFailed('body: not valid JSON');
  }
}
