/**
 * The public API v1 routes: which path reaches which handler, with which scope. Each handler takes
 * what it needs (`RouteDeps`) and the parsed request (`RouteContext`) and returns its answer, so it
 * can be called alone; faults, auth and writing the answer are the server's job.
 */
import type { IncomingMessage } from 'node:http';
import { MODEL_SPECS } from '../src/contract/models';
import type { Caller } from './auth';
import type { SimulatedEndpoint, SimulatorConfig } from './config';
import { getOwnedFile, uploadFile } from './handlers/files';
import { createGeneration, getGeneration } from './handlers/generations';
import type { Answer } from './http';
import { serializeFile, serializeTask, type SimulatorStore } from './store';
import type { WebhookDispatcher } from './webhooks/delivery';
import { WEBHOOK_API_ROUTES, webhookRouteHandlers } from './webhooks/handlers';

/** The simulator's state and settings as a handler sees them; functions where the value changes at run time. */
export interface RouteDeps {
  store: SimulatorStore;
  /** Where uploaded files are written. */
  storageDir: string;
  config(): SimulatorConfig;
  /** Known only once the server listens. */
  publicBaseUrl(): string;
  now(): number;
  /** The webhook delivery queue (D8's test send). Optional: handler tests may build deps without one. */
  webhooks?: WebhookDispatcher;
}

export interface RouteContext {
  req: IncomingMessage;
  caller: Caller;
  /** The path's captures, URL-decoded: e.g. the task id of `/generations/{id}`. */
  params: string[];
}

export type RouteHandler = (deps: RouteDeps, ctx: RouteContext) => Promise<Answer> | Answer;
export type ApiEndpoint = Exclude<SimulatedEndpoint, 'media'>;

/** The caller of a public route: no key, so neither an account nor a rate-limit window. */
export const ANONYMOUS: Caller = { apiKey: '', account: '' };

export const routeHandlers: Record<ApiEndpoint, RouteHandler> = {
  listModels: () => ({
    status: 200,
    body: {
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
    },
  }),

  uploadFile: async ({ store, storageDir, config, publicBaseUrl, now }, { req, caller }) => {
    const file = await uploadFile(req, caller, store, { storageDir, publicBaseUrl: publicBaseUrl(), fileTtlMs: config().fileTtlMs, now });
    return { status: 201, body: serializeFile(file) };
  },

  getFile: ({ store }, { caller, params: [fileId] }) => ({ status: 200, body: serializeFile(getOwnedFile(store, caller, fileId!)) }),

  createGeneration: async ({ store, now }, { req, caller }) => {
    const { task, replayed } = await createGeneration(req, caller, store, now());
    // S1: a new task answers 202, an idempotent replay 200 with Idempotent-Replayed.
    return replayed
      ? { status: 200, body: serializeTask(task), headers: { 'Idempotent-Replayed': 'true' } }
      : { status: 202, body: serializeTask(task) };
  },

  getGeneration: ({ store }, { caller, params: [taskId] }) => ({ status: 200, body: serializeTask(getGeneration(store, caller, taskId!)) }),

  getCredits: ({ store }, { caller }) => ({ status: 200, body: { current_credits: store.balance(caller.account) } }),

  ...webhookRouteHandlers,
};

export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  endpoint: ApiEndpoint;
  /** 'public': no key needed (D2's model list); otherwise the scope the key must hold (D1). */
  access: 'public' | { scope: string };
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', pattern: /^\/api\/v1\/models$/, endpoint: 'listModels', access: 'public' },
  { method: 'POST', pattern: /^\/api\/v1\/files$/, endpoint: 'uploadFile', access: { scope: 'files:create' } },
  { method: 'GET', pattern: /^\/api\/v1\/files\/([^/]+)$/, endpoint: 'getFile', access: { scope: 'files:read' } },
  { method: 'POST', pattern: /^\/api\/v1\/generations$/, endpoint: 'createGeneration', access: { scope: 'generations:create' } },
  { method: 'GET', pattern: /^\/api\/v1\/generations\/([^/]+)$/, endpoint: 'getGeneration', access: { scope: 'generations:read' } },
  { method: 'GET', pattern: /^\/api\/v1\/credits$/, endpoint: 'getCredits', access: { scope: 'credits:read' } },
  ...WEBHOOK_API_ROUTES,
];

export interface RouteMatch {
  route: ApiRoute;
  /** Still URL-encoded: decoding can fail, and that failure belongs to the request's own error handling. */
  rawParams: string[];
}

export function matchRoute(method: string | undefined, path: string): RouteMatch | undefined {
  for (const route of API_ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, rawParams: match.slice(1) };
  }
  return undefined;
}
