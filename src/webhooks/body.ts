/**
 * The raw request body, bounded. A signature covers exact bytes, so the receiver needs them as they
 * came — from the stream, or from a framework that kept them (`req.rawBody`, or Express's
 * `express.raw()` which leaves a Buffer in `req.body`). Reading stops at the cap: an oversized or
 * endless body costs at most `maxBytes` of memory, and a declared Content-Length over the cap is
 * refused before a byte is read.
 */
import type { IncomingMessage } from 'node:http';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** A request as frameworks hand it over: possibly with the body already read into a Buffer. */
export type WebhookRequest = IncomingMessage & { rawBody?: unknown; body?: unknown };

export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; reason: 'too-large'; detail: string }
  /** The client went away mid-body: nobody to answer. */
  | { ok: false; reason: 'aborted'; detail: string }
  /** A framework parsed the body and kept no raw bytes: the signature cannot be checked. */
  | { ok: false; reason: 'no-raw-body'; detail: string };

/** `application/json`, optionally with `charset=utf-8` (a signature over other encodings is not ours to reinterpret). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [mediaType, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return false;
  return parameters.every((parameter) => !parameter.startsWith('charset=') || /^charset="?utf-8"?$/.test(parameter));
}

export async function readRawBody(req: WebhookRequest, maxBytes: number): Promise<BodyResult> {
  const kept = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.isBuffer(req.body) ? req.body : undefined;
  if (kept) return kept.length > maxBytes ? tooLarge(kept.length, maxBytes) : { ok: true, body: kept };
  if (req.body !== undefined || req.readableEnded) {
    return {
      ok: false,
      reason: 'no-raw-body',
      detail: 'the body was consumed before the webhook handler: give it req.rawBody (a Buffer) or use a raw body parser',
    };
  }

  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(declared, maxBytes);

  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        // Stop here: no more bytes are pulled from the socket (the answer closes the connection).
        req.pause();
        finish(tooLarge(received, maxBytes, true));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, received) });
    const onError = () => finish({ ok: false, reason: 'aborted', detail: 'the request stream failed' });
    const onClose = () => {
      if (!req.complete) finish({ ok: false, reason: 'aborted', detail: 'the client closed the connection mid-body' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(bytes: number, maxBytes: number, partial = false): BodyResult {
  const size = partial ? `more than ${maxBytes}` : String(bytes);
  return { ok: false, reason: 'too-large', detail: `body of ${size} bytes; the limit is ${maxBytes}` };
}
