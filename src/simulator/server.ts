/**
 * A faithful, controllable fake of Rivya API v1 over real HTTP, in the spirit of stripe-mock:
 * documented behaviour (section D of the contract), our assumptions where the docs are silent
 * (section S), and deterministic fault injection for tests and benchmarks.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MODEL_SPECS } from '../rivya/models';
import { assetPath } from '../package-root';
import { authenticate, type Caller } from './auth';
import { simulatorConfigSchema, type FaultRules, type SimulatedEndpoint, type SimulatorConfig, type SimulatorConfigInput } from './config';
import { FaultInjector } from './faults';
import { createGeneration, getGeneration } from './handlers/generations';
import { getOwnedFile, uploadFile } from './handlers/files';
import { newRequestId, readJson, sendError, sendJson, SimulatorHttpError, validationFailed } from './http';
import { serializeFile, serializeTask, SimulatorStore } from './store';
import { buildStats, type SimulatorStats } from './stats';

export interface StartSimulatorOptions extends SimulatorConfigInput {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RivyaSimulator {
  /** Base URL to give the client, e.g. http://127.0.0.1:53211 */
  readonly url: string;
  readonly port: number;
  readonly store: SimulatorStore;
  config(): SimulatorConfig;
  /** Merges a partial config (faults, timing, failure rate, ...) into the running simulator. */
  configure(patch: SimulatorConfigInput): SimulatorConfig;
  /** Forgets all state and returns to the start-up config, plus `patch`. */
  reset(patch?: SimulatorConfigInput): void;
  stats(): SimulatorStats;
  close(): Promise<void>;
}

const SAMPLE_VIDEO = assetPath('sample-video.mp4');

interface Route {
  method: string;
  pattern: RegExp;
  endpoint: SimulatedEndpoint;
  scope?: string;
  handle(ctx: RouteContext, match: RegExpExecArray): Promise<void> | void;
}

interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  caller: Caller;
  requestId: string;
  /** Writes the answer, unless a fault decided the answer is lost or garbled. */
  reply(status: number, body: unknown, headers?: Record<string, string>): void;
}

export async function startRivyaSimulator(options: StartSimulatorOptions = {}): Promise<RivyaSimulator> {
  const { port = 0, host = '127.0.0.1', ...configInput } = options;
  // Reset returns here: parsed afresh each time, so scripted faults consumed in a run come back.
  const initialConfig = () => simulatorConfigSchema.parse(structuredClone(configInput));
  let config = initialConfig();
  const storageDir = mkdtempSync(join(tmpdir(), 'rivya-sim-'));
  let publicBaseUrl = '';
  const store = new SimulatorStore(config, (taskId) => `${publicBaseUrl}/media/videos/${taskId}.mp4`);
  const faults = new FaultInjector(() => store.random);
  const now = () => Date.now();

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/models$/,
      endpoint: 'listModels',
      handle: ({ reply }) =>
        reply(200, {
          object: 'list',
          data: Object.values(MODEL_SPECS).map((spec) => ({
            id: spec.id,
            object: 'model',
            type: 'video',
            billing: 'FIXED',
            base_credits: spec.baseCredits,
            params: spec.selectParams,
            reference_media: spec.reference,
          })),
        }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/files$/,
      endpoint: 'uploadFile',
      scope: 'files:create',
      handle: async ({ req, caller, reply }) => {
        const file = await uploadFile(req, caller, store, { storageDir, publicBaseUrl, fileTtlMs: config.fileTtlMs, now });
        reply(201, serializeFile(file));
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/files\/([^/]+)$/,
      endpoint: 'getFile',
      scope: 'files:read',
      handle: ({ caller, reply }, match) => reply(200, serializeFile(getOwnedFile(store, caller, decodeURIComponent(match[1]!)))),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/generations$/,
      endpoint: 'createGeneration',
      scope: 'generations:create',
      handle: async ({ req, caller, reply }) => {
        const { task, replayed } = await createGeneration(req, caller, store, now());
        // S1: a new task answers 202, an idempotent replay 200 with Idempotent-Replayed.
        reply(replayed ? 200 : 202, serializeTask(task), replayed ? { 'Idempotent-Replayed': 'true' } : {});
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/generations\/([^/]+)$/,
      endpoint: 'getGeneration',
      scope: 'generations:read',
      handle: ({ caller, reply }, match) => reply(200, serializeTask(getGeneration(store, caller, decodeURIComponent(match[1]!)))),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/credits$/,
      endpoint: 'getCredits',
      scope: 'credits:read',
      handle: ({ caller, reply }) => reply(200, { current_credits: store.balance(caller.account) }),
    },
  ];

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (req.method === 'GET' && path === '/_simulator/stats') {
      sendJson(res, 200, buildStats(store));
      return true;
    }
    if (req.method === 'GET' && path === '/_simulator/requests') {
      sendJson(res, 200, store.requestLog);
      return true;
    }
    if (req.method === 'POST' && path === '/_simulator/config') {
      const { json } = await readJson(req);
      sendJson(res, 200, api.configure(json as SimulatorConfigInput));
      return true;
    }
    if (req.method === 'POST' && path === '/_simulator/reset') {
      const { json } = await readJson(req);
      api.reset((json ?? {}) as SimulatorConfigInput);
      sendJson(res, 200, { ok: true });
      return true;
    }
    return false;
  }

  /** Public media: generated videos and uploaded files, served like a CDN would (no auth). */
  function handleMedia(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (req.method !== 'GET') return false;
    const video = /^\/media\/videos\/([^/]+)\.mp4$/.exec(path);
    const upload = /^\/media\/files\/([^/]+)$/.exec(path);
    let file: { path: string; mime: string } | undefined;
    if (video && store.tasks.get(video[1]!)?.status === 'succeeded' && existsSync(SAMPLE_VIDEO)) {
      file = { path: SAMPLE_VIDEO, mime: 'video/mp4' };
    } else if (upload) {
      const stored = store.files.get(upload[1]!);
      if (stored && stored.expiresAt > now()) file = { path: stored.storagePath, mime: stored.mimeType };
    }
    if (!video && !upload) return false;
    if (!file) {
      sendError(res, new SimulatorHttpError(404, 'not_found', 'No such media.'), newRequestId());
      return true;
    }
    res.writeHead(200, { 'Content-Type': file.mime, 'Content-Length': statSync(file.path).size });
    createReadStream(file.path).pipe(res);
    return true;
  }

  async function applyFaultBefore(endpoint: SimulatedEndpoint, req: IncomingMessage, res: ServerResponse, requestId: string) {
    const decision = faults.decide(config, endpoint);
    if (!decision) return undefined;
    store.countFault(endpoint, decision.kind);
    const { kind, rules } = decision;
    const retryAfterError = (headers: Record<string, string>) =>
      new SimulatorHttpError(429, 'rate_limited', 'Too many requests; slow down.', headers);
    switch (kind) {
      case 'rate_limited':
        return { answered: fail(res, endpoint, retryAfterError({ 'Retry-After': String(rules.retryAfterSeconds) }), requestId) };
      case 'rate_limited_no_retry_after':
        return { answered: fail(res, endpoint, retryAfterError({}), requestId) };
      case 'rate_limited_http_date':
        return {
          answered: fail(
            res,
            endpoint,
            retryAfterError({ 'Retry-After': new Date(now() + rules.retryAfterSeconds * 1000 + 1000).toUTCString() }),
            requestId,
          ),
        };
      case 'server_error':
        return { answered: fail(res, endpoint, new SimulatorHttpError(500, 'internal_error', 'Internal error.'), requestId) };
      case 'unavailable':
        return { answered: fail(res, endpoint, new SimulatorHttpError(503, 'public_api_disabled', 'The public API is disabled.'), requestId) };
      case 'reset':
        req.socket.destroy();
        store.countRequest(endpoint, 0);
        return { answered: true };
      case 'slow':
        await sleep(rules.slowMs);
        return undefined;
      default:
        // lost_response and malformed_json act after the request is handled.
        return { answered: false, after: kind, rules };
    }
  }

  function fail(res: ServerResponse, endpoint: SimulatedEndpoint, error: SimulatorHttpError, requestId: string): true {
    store.countRequest(endpoint, error.status);
    sendError(res, error, requestId);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (path.startsWith('/_simulator/')) {
      try {
        if (await handleAdmin(req, res, path)) return;
      } catch (err) {
        if (!(err instanceof SimulatorHttpError)) throw err;
        sendError(res, err, newRequestId());
        return;
      }
    }
    if (path.startsWith('/media/') && handleMedia(req, res, path)) return;

    const requestId = newRequestId();
    const route = routes.find((candidate) => candidate.pattern.test(path) && candidate.method === req.method);
    if (!route) {
      sendError(res, new SimulatorHttpError(404, 'not_found', `No route ${req.method} ${path}.`), requestId);
      return;
    }
    const fault = await applyFaultBefore(route.endpoint, req, res, requestId);
    if (fault?.answered) return;
    const after = fault && 'after' in fault ? fault.after : undefined;

    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      store.countRequest(route.endpoint, after === 'lost_response' ? 0 : status);
      if (after === 'lost_response') {
        // The work is committed; the caller only sees the connection drop.
        req.socket.destroy();
        return;
      }
      if (after === 'malformed_json') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"id": "task_');
        return;
      }
      sendJson(res, status, body, { 'X-Request-Id': requestId, ...headers });
    };

    try {
      if (config.publicApiDisabled) throw new SimulatorHttpError(503, 'public_api_disabled', 'The public API is disabled.');
      const caller = route.endpoint === 'listModels' ? { apiKey: '', account: '' } : authenticate(req, config, route.scope);
      if (caller.apiKey && !store.admitRate(caller.apiKey, now())) {
        throw new SimulatorHttpError(429, 'rate_limited', 'Rate limit exceeded.', { 'Retry-After': '1' });
      }
      await route.handle({ req, res, caller, requestId, reply }, route.pattern.exec(path)!);
    } catch (err) {
      const error =
        err instanceof SimulatorHttpError ? err : new SimulatorHttpError(500, 'internal_error', 'Internal error.');
      if (!(err instanceof SimulatorHttpError)) console.error('[rivya-simulator] unexpected error', err);
      // Drain what the client is still sending so it reads our answer instead of a reset.
      req.resume();
      store.countRequest(route.endpoint, error.status);
      sendError(res, error, requestId);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error('[rivya-simulator] handler crashed', err);
      if (!res.headersSent) sendError(res, new SimulatorHttpError(500, 'internal_error', 'Internal error.'), newRequestId());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  publicBaseUrl = `http://${urlHost}:${address.port}`;

  const api: RivyaSimulator = {
    url: publicBaseUrl,
    port: address.port,
    store,
    config: () => config,
    configure(patch) {
      config = mergeConfig(config, patch);
      store.reconfigure(config);
      return config;
    },
    reset(patch = {}) {
      config = mergeConfig(initialConfig(), patch);
      store.reset(config);
    },
    stats: () => buildStats(store),
    async close() {
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
  return api;
}

/** Deep enough merge for our config: nested objects merge, arrays and scalars replace. */
function mergeConfig(current: SimulatorConfig, patch: SimulatorConfigInput): SimulatorConfig {
  if (typeof patch !== 'object' || patch === null) throw validationFailed('config: must be an object');
  const faults: Record<string, Partial<FaultRules>> = { ...current.faults };
  for (const [endpoint, rules] of Object.entries(patch.faults ?? {})) {
    faults[endpoint] = { ...current.faults[endpoint as SimulatedEndpoint], ...rules };
  }
  const merged = {
    ...current,
    ...patch,
    timing: { ...current.timing, ...patch.timing },
    faults,
  };
  const parsed = simulatorConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw validationFailed(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}
