/**
 * The D8 routes: webhook endpoints of the caller's account (create, list, read, change, revoke,
 * rotate the secret, list its delivery attempts, send a test event) and the account's events.
 * Each handler returns its `Answer` like the ones in `../routes.ts`; auth, scope
 * (`webhooks:manage`), faults and writing the answer are the server's job.
 */
import { internalError, notFound, readJson, validationFailed, type Answer } from '../http';
import type { ApiRoute, RouteContext, RouteDeps, RouteHandler } from '../routes';
import { WEBHOOK_EVENT_TYPES, type WebhookApiEndpoint, type WebhookEventType } from './config';
import { MAX_ENDPOINTS_PER_ACCOUNT, serializeDelivery, serializeEndpoint, type SimWebhookEndpoint } from './endpoints';
import { checkWebhookUrl } from './url-rules';

const MAX_NAME_CHARS = 200;
const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;
const SCOPE = { scope: 'webhooks:manage' };

export const WEBHOOK_API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', pattern: /^\/api\/v1\/webhooks$/, endpoint: 'createWebhook', access: SCOPE },
  { method: 'GET', pattern: /^\/api\/v1\/webhooks$/, endpoint: 'listWebhooks', access: SCOPE },
  { method: 'GET', pattern: /^\/api\/v1\/webhooks\/([^/]+)$/, endpoint: 'getWebhook', access: SCOPE },
  { method: 'PATCH', pattern: /^\/api\/v1\/webhooks\/([^/]+)$/, endpoint: 'updateWebhook', access: SCOPE },
  { method: 'DELETE', pattern: /^\/api\/v1\/webhooks\/([^/]+)$/, endpoint: 'deleteWebhook', access: SCOPE },
  { method: 'POST', pattern: /^\/api\/v1\/webhooks\/([^/]+)\/rotate-secret$/, endpoint: 'rotateWebhookSecret', access: SCOPE },
  { method: 'GET', pattern: /^\/api\/v1\/webhooks\/([^/]+)\/deliveries$/, endpoint: 'listWebhookDeliveries', access: SCOPE },
  { method: 'POST', pattern: /^\/api\/v1\/webhooks\/([^/]+)\/test$/, endpoint: 'testWebhook', access: SCOPE },
  { method: 'GET', pattern: /^\/api\/v1\/webhook-events$/, endpoint: 'listWebhookEvents', access: SCOPE },
];

export const webhookRouteHandlers: Record<WebhookApiEndpoint, RouteHandler> = {
  createWebhook: async (deps, { req, caller }) => {
    const body = await readObject(req, ['name', 'url', 'event_types']);
    const name = parseName(body.name);
    const url = parseUrl(deps, body.url);
    const eventTypes = parseEventTypes(body.event_types);
    const { webhooks } = deps.store;
    if (webhooks.countLive(caller.account) >= MAX_ENDPOINTS_PER_ACCOUNT) {
      throw validationFailed(`webhooks: at most ${MAX_ENDPOINTS_PER_ACCOUNT} endpoints per account`);
    }
    const endpoint = webhooks.create({ account: caller.account, name, url, eventTypes, now: deps.now() });
    return { status: 201, body: serializeEndpoint(endpoint, { withSecret: true }) };
  },

  listWebhooks: ({ store }, { caller }) => list(store.webhooks.list(caller.account).map((endpoint) => serializeEndpoint(endpoint))),

  getWebhook: (deps, ctx) => ({ status: 200, body: serializeEndpoint(ownedEndpoint(deps, ctx)) }),

  updateWebhook: async (deps, ctx) => {
    const endpoint = changeableEndpoint(deps, ctx);
    const body = await readObject(ctx.req, ['name', 'url', 'event_types', 'status']);
    // Everything is checked before anything changes: a bad field leaves the endpoint as it was.
    const name = body.name === undefined ? undefined : parseName(body.name);
    const url = body.url === undefined ? undefined : parseUrl(deps, body.url);
    const eventTypes = body.event_types === undefined ? undefined : parseEventTypes(body.event_types);
    const status = body.status === undefined ? undefined : parseStatus(body.status);
    const now = deps.now();
    if (name !== undefined) endpoint.name = name;
    if (url !== undefined) endpoint.url = url;
    if (eventTypes !== undefined) endpoint.eventTypes = eventTypes;
    if (status === 'disabled' && endpoint.status === 'active') {
      endpoint.status = 'disabled';
      endpoint.disabledAt = now;
    }
    if (status === 'active' && endpoint.status === 'disabled') {
      // Re-enabling starts the failure count afresh (S12).
      endpoint.status = 'active';
      endpoint.disabledAt = null;
      endpoint.failureCount = 0;
    }
    endpoint.updatedAt = now;
    return { status: 200, body: serializeEndpoint(endpoint) };
  },

  deleteWebhook: (deps, ctx) => {
    const endpoint = ownedEndpoint(deps, ctx);
    // S12: revoked, not forgotten: still listed, never delivered to again. A second DELETE changes nothing.
    if (endpoint.status !== 'revoked') {
      const now = deps.now();
      endpoint.status = 'revoked';
      endpoint.revokedAt = now;
      endpoint.updatedAt = now;
    }
    return { status: 200, body: serializeEndpoint(endpoint) };
  },

  rotateWebhookSecret: (deps, ctx) => {
    const endpoint = changeableEndpoint(deps, ctx);
    deps.store.webhooks.rotateSecret(endpoint, deps.now());
    return { status: 200, body: serializeEndpoint(endpoint, { withSecret: true }) };
  },

  listWebhookDeliveries: (deps, ctx) => {
    const endpoint = ownedEndpoint(deps, ctx);
    return list(deps.store.webhooks.deliveriesOf(endpoint.id, listLimit(ctx)).map(serializeDelivery));
  },

  testWebhook: async (deps, ctx) => {
    const endpoint = changeableEndpoint(deps, ctx);
    // Absent only in handler tests that build their deps by hand without a delivery queue.
    if (!deps.webhooks) throw internalError();
    const { event, delivery } = await deps.webhooks.sendTest(endpoint);
    return {
      status: 200,
      body: { object: 'webhook_test', event: event.envelope, delivery: delivery ? serializeDelivery(delivery) : null },
    };
  },

  listWebhookEvents: ({ store }, ctx) => list(store.webhooks.eventsOf(ctx.caller.account).slice(0, listLimit(ctx))),
};

function list(data: unknown[]): Answer {
  return { status: 200, body: { object: 'list', data } };
}

/** The caller's endpoint; another account's looks exactly like an unknown id (D4's rule, applied here). */
function ownedEndpoint({ store }: RouteDeps, { caller, params: [id] }: RouteContext): SimWebhookEndpoint {
  const endpoint = store.webhooks.get(caller.account, id!);
  if (!endpoint) throw notFound(`No webhook endpoint ${id}.`);
  return endpoint;
}

/** A revoked endpoint can be read and listed, but not changed, rotated or tested (S12). */
function changeableEndpoint(deps: RouteDeps, ctx: RouteContext): SimWebhookEndpoint {
  const endpoint = ownedEndpoint(deps, ctx);
  if (endpoint.status === 'revoked') throw validationFailed(`endpoint: ${endpoint.id} is revoked`);
  return endpoint;
}

async function readObject(req: RouteContext['req'], allowed: readonly string[]): Promise<Record<string, unknown>> {
  const { json } = await readJson(req);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw validationFailed('body: must be a JSON object');
  for (const key of Object.keys(json)) if (!allowed.includes(key)) throw validationFailed(`${key}: unknown field`);
  return json as Record<string, unknown>;
}

function parseName(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw validationFailed('name: a non-empty string is required');
  if (value.length > MAX_NAME_CHARS) throw validationFailed(`name: at most ${MAX_NAME_CHARS} characters`);
  return value;
}

function parseUrl(deps: RouteDeps, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw validationFailed('url: a non-empty string is required');
  checkWebhookUrl(value, deps.config().webhooks);
  return value;
}

function parseEventTypes(value: unknown): WebhookEventType[] {
  if (!Array.isArray(value) || value.length === 0) throw validationFailed('event_types: a non-empty array is required');
  for (const type of value) {
    if (!WEBHOOK_EVENT_TYPES.includes(type as WebhookEventType)) {
      throw validationFailed(`event_types: ${JSON.stringify(type)} is not one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
  }
  return [...new Set(value as WebhookEventType[])];
}

function parseStatus(value: unknown): 'active' | 'disabled' {
  if (value !== 'active' && value !== 'disabled') throw validationFailed('status: must be "active" or "disabled"');
  return value;
}

/** `?limit=` (1–1000, default 100) for the newest-first lists. */
function listLimit({ req }: RouteContext): number {
  const raw = new URL(req.url ?? '/', 'http://simulator').searchParams.get('limit');
  if (raw === null) return DEFAULT_LIST_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw validationFailed(`limit: an integer from 1 to ${MAX_LIST_LIMIT}`);
  return limit;
}
