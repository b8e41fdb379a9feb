/**
 * Typed HTTP client for Rivya API v1 on node-fetch. It never retries by itself: the Temporal
 * activities own retries, steered by each error's `retryable` and `retryAfterMs`.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import FormData from 'form-data';
import nodeFetch, { type RequestInit, type Response } from 'node-fetch';
import type { z } from 'zod';
import {
  RivyaAbortedError,
  RivyaApiError,
  RivyaNetworkError,
  RivyaResponseError,
  RivyaTimeoutError,
  redactSecret,
} from './errors';
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
import { MAX_IDEMPOTENCY_KEY_CHARS } from './models';

export const DEFAULT_RIVYA_BASE_URL = 'https://rivya.ai';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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

export class RivyaClient {
  private readonly apiKey: string;
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;
  private readonly userAgent: string;

  constructor(options: RivyaClientOptions) {
    if (!options.apiKey) throw new TypeError('RivyaClient needs an apiKey');
    this.apiKey = options.apiKey;
    this.baseUrl = (options.baseUrl ?? DEFAULT_RIVYA_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? (nodeFetch as unknown as FetchLike);
    this.userAgent = options.userAgent ?? 'rivya-sora2-temporal';
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
    const form = new FormData();
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

  private async request<S extends z.ZodTypeAny>(
    method: string,
    path: string,
    options: RequestOptions & {
      schema: S;
      body?: Body;
      headers?: Record<string, string>;
      onResponse?: (response: Response) => void;
    },
  ): Promise<z.output<S>> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    try {
      const response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        body: options.body,
        headers: {
          Accept: 'application/json',
          'User-Agent': this.userAgent,
          ...options.headers,
          Authorization: `Bearer ${this.apiKey}`,
        },
        // node-fetch v2 types predate the global AbortSignal; at run time it accepts it.
        signal: signal as RequestInit['signal'],
      });
      // Read the whole body inside the timeout: a server that stalls mid-body is a timeout too.
      const text = await response.text();
      options.onResponse?.(response);
      if (!response.ok) throw this.apiError(response, text);
      return this.parse(options.schema, text, response.status);
    } catch (err) {
      throw this.translate(err, options.signal, timeout.signal, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  private parse<S extends z.ZodTypeAny>(schema: S, text: string, status: number): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RivyaResponseError(`Rivya returned a ${status} with a body that is not JSON`, status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new RivyaResponseError(`Rivya returned an unexpected ${status} body: ${issues.join('; ')}`, status);
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
    const requestId = envelope?.success ? envelope.data.error.requestId : response.headers.get('x-request-id') ?? undefined;
    const code = envelope?.success ? envelope.data.error.code : `http_${response.status}`;
    const detail = envelope?.success && envelope.data.error.message ? envelope.data.error.message : response.statusText;
    const message = redactSecret(`Rivya ${code} (HTTP ${response.status}): ${detail}`, this.apiKey);
    return new RivyaApiError(message, code, response.status, requestId, retryAfterMs);
  }

  private translate(err: unknown, callerSignal: AbortSignal | undefined, timeoutSignal: AbortSignal, timeoutMs: number): Error {
    if (err instanceof RivyaApiError || err instanceof RivyaResponseError) return err;
    if (callerSignal?.aborted) return new RivyaAbortedError();
    if (timeoutSignal.aborted) return new RivyaTimeoutError(timeoutMs);
    const code = (err as { code?: string } | undefined)?.code;
    const message = err instanceof Error ? err.message : String(err);
    return new RivyaNetworkError(redactSecret(`Rivya request failed: ${message}`, this.apiKey), code);
  }
}
