/**
 * Typed HTTP client for Rivya API v1 on node-fetch. It never retries by itself: the Temporal
 * activities own retries, steered by each error's `retryable` and `retryAfterMs`.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { inspect } from 'node:util';
import type { Readable } from 'node:stream';
import type FormDataType from 'form-data';
import nodeFetch, { type RequestInit, type Response } from 'node-fetch';
import type { z } from 'zod';
import {
  RivyaAbortedError,
  RivyaApiError,
  RivyaNetworkError,
  RivyaError,
  RivyaResponseError,
  RivyaResponseTooLargeError,
  RivyaTimeoutError,
  RivyaUnexpectedRedirectError,
  RivyaWebhookUrlRejectedError,
} from './errors';
import { boundUpstreamText, makeRedactor, redactUrlCredentials } from './redact';
import { parseRetryAfter } from './retry-after';
import {
  creditsSchema,
  errorEnvelopeSchema,
  fileSchema,
  modelListSchema,
  taskSchema,
  type CreateGenerationRequest,
  type Credits,
  type GenerationTask,
  type ModelList,
  type RivyaFile,
} from './schemas';
import { MAX_IDEMPOTENCY_KEY_CHARS } from '../contract/models';
import { RivyaWebhookEvents, RivyaWebhooks } from './webhooks';

export const DEFAULT_RIVYA_BASE_URL = 'https://rivya.ai';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Documented answers are a few KB; 1 MiB of decoded JSON is already far past any of them. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Error answers are read only this far: enough for any envelope, never a whole HTML error page. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Upstream strings kept in an error: a code, a request id, a message. */
const MAX_CODE_CHARS = 128;
const MAX_MESSAGE_CHARS = 2_000;

/** The body passed the cap: thrown inside `readCapped`, never out of the client. */
class BodyOverCap extends Error {}

function isAsyncIterable(value: unknown): value is AsyncIterable<Buffer | Uint8Array | string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Buffer.isBuffer(value) &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  );
}

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Stops reading an answer we refuse: aborting node-fetch's signal after the response arrived
 * destroys the socket (req.abort()) and emits 'error' on the body, which must have a listener.
 */
function dropConnection(response: Response, drop: AbortController): void {
  const body = response.body as unknown as { on?: (event: string, listener: () => void) => void; destroy?: () => void } | null;
  if (typeof body?.on === 'function') body.on('error', () => undefined);
  drop.abort();
  if (typeof body?.destroy === 'function') body.destroy();
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RivyaClientOptions {
  apiKey: string;
  /** Defaults to Rivya's production host. */
  baseUrl?: string;
  /** Per-request timeout for the whole exchange, body included. */
  timeoutMs?: number;
  /** Swap the transport (tests, proxies, instrumentation). Defaults to node-fetch. */
  fetch?: FetchLike;
  userAgent?: string;
  /**
   * Largest successful answer read, in decoded bytes (after gzip/deflate/br): past it the read stops,
   * the connection is dropped and the call fails with RivyaResponseTooLargeError. Default 1 MiB.
   */
  maxResponseBytes?: number;
  /** Told of every HTTP exchange (tracing spans, error counters): see RivyaRequestObserver. */
  observer?: RivyaRequestObserver;
}

/**
 * Watches the client's HTTP exchanges without the client knowing what for (src/observability/ makes
 * spans and error counters of them). `start` is called as a request goes out with the method and
 * the path (ids included, no query secrets: the key is only ever in a header); the function it
 * returns is called once when the exchange ends. Whatever either throws is ignored.
 */
export interface RivyaRequestObserver {
  start(request: { method: string; path: string }): (end: RivyaRequestEnd) => void;
}

export interface RivyaRequestEnd {
  /** The HTTP status, when an answer arrived. */
  status?: number;
  /** Rivya's request id (X-Request-Id, or the error envelope's), scrubbed and bounded. */
  requestId?: string;
  /** The typed error (a RivyaError) the call failed with; absent on success. */
  error?: Error;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface CreateGenerationOptions extends RequestOptions {
  /** Required: Rivya's retry-safety mechanism. Reuse it on every retry of the same logical create. */
  idempotencyKey: string;
}

/** A created (or idempotently replayed) task and whether the server said it was a replay. */
export interface CreateGenerationResult {
  task: GenerationTask;
  replayed: boolean;
}

export interface UploadFileInput {
  /** A local path, or an already-open stream (then `name` and `sizeBytes` help the server). */
  source: string | Readable;
  kind: 'image' | 'video' | 'audio';
  name?: string;
  sizeBytes?: number;
  mimeType?: string;
  model?: string;
  clientRequestId?: string;
}

type Body = RequestInit['body'];

/**
 * One call through the client's transport: what a resource module (e.g. webhooks.ts) is handed, so
 * it gets every rule of the client (auth header, manual redirects, capped bodies, timeouts,
 * redaction, typed errors) without reaching into the client.
 */
export interface RivyaRequestInit<S extends z.ZodTypeAny> extends RequestOptions {
  schema: S;
  body?: Body;
  headers?: Record<string, string>;
  onResponse?: (response: Response) => void;
  /** A 2xx with an empty body (e.g. 204 after a DELETE) is parsed as `null` instead of refused. */
  allowEmptyBody?: boolean;
}

export type RivyaRequestFn = <S extends z.ZodTypeAny>(method: string, path: string, options: RivyaRequestInit<S>) => Promise<z.output<S>>;

export class RivyaClient {
  // A true private field: the key never shows in console.log, util.inspect or JSON.stringify of a client.
  readonly #apiKey: string;
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;
  private readonly userAgent: string;
  private readonly maxResponseBytes: number;
  private readonly redact: (text: string) => string;
  private readonly observer: RivyaRequestObserver | undefined;
  /** D8 webhook endpoints: register, list, rotate secrets, deliveries, test events. */
  readonly webhooks: RivyaWebhooks;
  /** D8 `GET /api/v1/webhook-events`. */
  readonly webhookEvents: RivyaWebhookEvents;

  constructor(options: RivyaClientOptions) {
    if (!options.apiKey) throw new TypeError('RivyaClient needs an apiKey');
    this.#apiKey = options.apiKey;
    this.redact = makeRedactor([options.apiKey]);
    this.baseUrl = (options.baseUrl ?? DEFAULT_RIVYA_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? (nodeFetch as unknown as FetchLike);
    this.userAgent = options.userAgent ?? 'rivya-sora2-temporal';
    const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
      throw new TypeError('RivyaClient maxResponseBytes must be a positive integer');
    }
    this.maxResponseBytes = maxResponseBytes;
    this.observer = options.observer;
    const request: RivyaRequestFn = (method, path, init) => this.request(method, path, init);
    this.webhooks = new RivyaWebhooks(request);
    this.webhookEvents = new RivyaWebhookEvents(request);
  }

  /**
   * The one place upstream text is made safe to keep: every form of the API key is redacted
   * (verbatim, URL-encoded, base64 of the key and of `Bearer <key>`), so is the user info of any
   * URL (a network error quotes the base URL), then the length bounded.
   */
  /** What a log of the client shows: its base URL without credentials, nothing else. */
  [inspect.custom](): string {
    return `RivyaClient { baseUrl: ${JSON.stringify(redactUrlCredentials(this.baseUrl))} }`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: redactUrlCredentials(this.baseUrl) };
  }

  private scrub(text: string, maxChars = MAX_MESSAGE_CHARS): string {
    return boundUpstreamText(this.redact(redactUrlCredentials(text)), maxChars);
  }

  async listModels(options: RequestOptions = {}): Promise<ModelList> {
    return this.request('GET', '/api/v1/models', { ...options, schema: modelListSchema });
  }

  async getCredits(options: RequestOptions = {}): Promise<Credits> {
    return this.request('GET', '/api/v1/credits', { ...options, schema: creditsSchema });
  }

  async getFile(fileId: string, options: RequestOptions = {}): Promise<RivyaFile> {
    return this.request('GET', `/api/v1/files/${encodeURIComponent(fileId)}`, { ...options, schema: fileSchema });
  }

  async getGeneration(taskId: string, options: RequestOptions = {}): Promise<GenerationTask> {
    return this.request('GET', `/api/v1/generations/${encodeURIComponent(taskId)}`, { ...options, schema: taskSchema });
  }

  async createGeneration(body: CreateGenerationRequest, options: CreateGenerationOptions): Promise<CreateGenerationResult> {
    const key = options.idempotencyKey;
    if (!key || key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new TypeError(`idempotencyKey must be 1-${MAX_IDEMPOTENCY_KEY_CHARS} characters`);
    }
    let replayed = false;
    const task = await this.request('POST', '/api/v1/generations', {
      ...options,
      schema: taskSchema,
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
      onResponse: (response) => {
        replayed = response.headers.get('idempotent-replayed') === 'true';
      },
    });
    return { task, replayed };
  }

  /** Streams the file as multipart/form-data; the bytes never sit in memory whole. */
  async uploadFile(input: UploadFileInput, options: RequestOptions = {}): Promise<RivyaFile> {
    // A fresh stream per attempt: a stream can be consumed once, so callers retry by calling again.
    const form = new (loadFormData())();
    const isPath = typeof input.source === 'string';
    const stream = isPath ? createReadStream(input.source as string) : (input.source as Readable);
    const sizeBytes = input.sizeBytes ?? (isPath ? statSync(input.source as string).size : undefined);
    form.append('file', stream, {
      filename: input.name ?? (isPath ? basename(input.source as string) : 'upload'),
      contentType: input.mimeType ?? 'application/octet-stream',
      ...(sizeBytes !== undefined ? { knownLength: sizeBytes } : {}),
    });
    form.append('kind', input.kind);
    if (input.model) form.append('model', input.model);
    if (input.clientRequestId) form.append('client_request_id', input.clientRequestId);
    try {
      return await this.request('POST', '/api/v1/files', {
        ...options,
        schema: fileSchema,
        body: form as unknown as Body,
        headers: form.getHeaders(),
      });
    } finally {
      if (isPath) (stream as ReturnType<typeof createReadStream>).destroy();
    }
  }

  private async request<S extends z.ZodTypeAny>(method: string, path: string, options: RivyaRequestInit<S>): Promise<z.output<S>> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = new AbortController();
    // Ours, to drop the connection when an answer is refused mid-stream (over the cap, a redirect).
    const drop = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = AbortSignal.any([...(options.signal ? [options.signal] : []), timeout.signal, drop.signal]);
    const observed = this.observe(method, path);
    let answered: Response | undefined;
    try {
      const response = (answered = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        body: options.body,
        headers: {
          Accept: 'application/json',
          'User-Agent': this.userAgent,
          ...options.headers,
          Authorization: `Bearer ${this.#apiKey}`,
        },
        // Rivya's API never redirects; following one would hand the key (and a paid POST with its
        // Idempotency-Key) to wherever Location points. node-fetch follows 20 hops by default.
        redirect: 'manual',
        // node-fetch v2 types predate the global AbortSignal; at run time it accepts it.
        signal: signal as RequestInit['signal'],
      }));
      if (response.status >= 300 && response.status < 400) {
        dropConnection(response, drop);
        throw this.redirectError(response);
      }
      if (!response.ok) {
        // An error answer is read only as far as an envelope can go; a longer one is cut, not refused.
        const text = await this.readCapped(response, MAX_ERROR_BODY_BYTES, drop, true);
        options.onResponse?.(response);
        throw this.apiError(response, text);
      }
      // Read the whole body inside the timeout: a server that stalls mid-body is a timeout too.
      const text = await this.readCapped(response, this.maxResponseBytes, drop, false);
      options.onResponse?.(response);
      const parsed = this.parse(options.schema, options.allowEmptyBody && text.trim() === '' ? 'null' : text, response.status);
      observed({ status: response.status, requestId: this.requestIdOf(response) });
      return parsed;
    } catch (err) {
      const error = this.translate(err, options.signal, timeout.signal, timeoutMs);
      const requestId = error instanceof RivyaApiError ? error.requestId : answered && this.requestIdOf(answered);
      observed({ status: answered?.status, requestId, error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The observer's end-of-exchange callback, made safe: an observer that throws never fails a call. */
  private observe(method: string, path: string): (end: RivyaRequestEnd) => void {
    if (!this.observer) return () => undefined;
    let end: ((end: RivyaRequestEnd) => void) | undefined;
    try {
      end = this.observer.start({ method, path });
    } catch {
      return () => undefined;
    }
    return (outcome) => {
      try {
        end?.(outcome);
      } catch {
        // Observing is best effort.
      }
    };
  }

  private requestIdOf(response: Response): string | undefined {
    const id = response.headers.get('x-request-id');
    return id === null ? undefined : this.scrub(id, MAX_CODE_CHARS);
  }

  /**
   * Reads the body counting decoded bytes (node-fetch has already gunzipped/inflated the stream),
   * and stops at the cap: the stream is destroyed and the connection dropped as soon as one byte
   * too many arrives, so a decompression bomb costs at most the cap plus one chunk.
   * With `truncate` the first `limit` bytes are returned instead of failing.
   */
  private async readCapped(response: Response, limit: number, drop: AbortController, truncate: boolean): Promise<string> {
    const tooLarge = () => new RivyaResponseTooLargeError(response.status, limit);
    // Without Content-Encoding, Content-Length is the decoded size: refuse before reading a byte.
    const declared = Number(response.headers.get('content-length') ?? NaN);
    const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
    if (!truncate && !encoded && declared > limit) {
      dropConnection(response, drop);
      throw tooLarge();
    }
    const body = response.body as unknown;
    if (!isAsyncIterable(body)) {
      // A custom `fetch` that built its Response from a Buffer or string: the bytes are in memory already.
      const bytes = Buffer.from(await response.text(), 'utf8');
      if (bytes.length <= limit) return bytes.toString('utf8');
      if (!truncate) throw tooLarge();
      return bytes.subarray(0, limit).toString('utf8');
    }
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of body) {
        const buffer = toBuffer(chunk);
        if (received + buffer.length > limit) {
          chunks.push(buffer.subarray(0, limit - received));
          received = limit;
          throw new BodyOverCap();
        }
        chunks.push(buffer);
        received += buffer.length;
      }
    } catch (err) {
      if (!(err instanceof BodyOverCap)) throw err;
      dropConnection(response, drop);
      if (!truncate) throw tooLarge();
    }
    return Buffer.concat(chunks, received).toString('utf8');
  }

  private redirectError(response: Response): RivyaUnexpectedRedirectError {
    const location = response.headers.get('location');
    let origin: string | null = null;
    if (location) {
      try {
        origin = this.scrub(new URL(location, this.baseUrl).origin, 200);
      } catch {
        origin = '(unparseable Location)';
      }
    }
    const message =
      `Rivya answered HTTP ${response.status} with a redirect${origin ? ` to ${origin}` : ''}; ` +
      "Rivya's API does not redirect, so it was not followed and the API key was not sent on (check the base URL)";
    return new RivyaUnexpectedRedirectError(message, response.status, origin);
  }

  private scrubDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.scrubDeep(item));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.scrubDeep(item)]));
    }
    return value;
  }

  private parse<S extends z.ZodTypeAny>(schema: S, text: string, status: number): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RivyaResponseError(`Rivya returned a ${status} with a body that is not JSON`, status);
    }
    // Answers go into workflow history (task errors, URLs): no form of the key survives in them either.
    const parsed = schema.safeParse(this.scrubDeep(json));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new RivyaResponseError(this.scrub(`Rivya returned an unexpected ${status} body: ${issues.join('; ')}`), status);
    }
    return parsed.data;
  }

  private apiError(response: Response, text: string): RivyaApiError {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    let envelope: ReturnType<typeof errorEnvelopeSchema.safeParse> | undefined;
    try {
      envelope = errorEnvelopeSchema.safeParse(JSON.parse(text));
    } catch {
      envelope = undefined;
    }
    const rawRequestId = envelope?.success ? envelope.data.error.requestId : (response.headers.get('x-request-id') ?? undefined);
    const rawCode = envelope?.success ? envelope.data.error.code : `http_${response.status}`;
    const detail = envelope?.success && envelope.data.error.message ? envelope.data.error.message : response.statusText;
    // Every upstream string is scrubbed before it is stored: the code becomes the failure's type,
    // the request id its details, the message its message — all of them end up in history.
    const code = this.scrub(rawCode, MAX_CODE_CHARS);
    const requestId = rawRequestId === undefined ? undefined : this.scrub(rawRequestId, MAX_CODE_CHARS);
    const message = this.scrub(`Rivya ${code} (HTTP ${response.status}): ${this.scrub(detail)}`);
    const ErrorType = code === 'webhook_url_rejected' ? RivyaWebhookUrlRejectedError : RivyaApiError;
    return new ErrorType(message, code, response.status, requestId, retryAfterMs);
  }

  private translate(err: unknown, callerSignal: AbortSignal | undefined, timeoutSignal: AbortSignal, timeoutMs: number): Error {
    if (err instanceof RivyaError) return err;
    if (callerSignal?.aborted) return new RivyaAbortedError();
    if (timeoutSignal.aborted) return new RivyaTimeoutError(timeoutMs);
    const code = (err as { code?: string } | undefined)?.code;
    const message = err instanceof Error ? err.message : String(err);
    return new RivyaNetworkError(
      this.scrub(`Rivya request failed: ${message}`),
      code === undefined ? undefined : this.scrub(code, MAX_CODE_CHARS),
    );
  }
}

/** form-data (and its ~20 helper packages) loads with the first upload, not with every backend that imports the client. */
function loadFormData(): typeof FormDataType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred until an upload (see above)
  return require('form-data') as typeof FormDataType;
}
