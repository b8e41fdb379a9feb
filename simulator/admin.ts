/**
 * `/_simulator/*`: the control surface tests, the CLI and benchmarks use over HTTP. Not part of
 * Rivya's API, so no API keys, no faults and no counting — but not open either: every route wants
 * the simulator's admin token as `Authorization: Bearer <token>`, and no answer ever carries an
 * API key (config shows each key as a fingerprint) or webhook signing secret.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SimulatorApiKey, SimulatorConfig, SimulatorConfigInput } from './config';
import { readJson, SimulatorHttpError, validationFailed, type Answer } from './http';
import type { SimulatorStats } from './stats';
import type { RequestLogEntry } from './store';
import type { WebhookDeliveryRecord } from './webhooks/endpoints';

/** Where a standalone simulator (and `startRivyaSimulator` without the option) takes a fixed token from. */
export const ADMIN_TOKEN_ENV = 'RIVYA_SIMULATOR_ADMIN_TOKEN';
const ADMIN_TOKEN_PREFIX = 'rvya_sim_admin_';
const MIN_ADMIN_TOKEN_LENGTH = 16;

/** A fresh token per start: 32 random bytes. */
export function generateAdminToken(): string {
  return `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The token given (option, then environment), checked, or a generated one. A given token must be
 * usable as a Bearer credential and can never be mistaken for an API key.
 */
export function resolveAdminToken(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const token = given ?? (env[ADMIN_TOKEN_ENV] || undefined);
  if (token === undefined) return generateAdminToken();
  // The messages never include the token itself.
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error('simulator admin token: printable ASCII without spaces required');
  if (token.length < MIN_ADMIN_TOKEN_LENGTH)
    throw new Error(`simulator admin token: at least ${MIN_ADMIN_TOKEN_LENGTH} characters required`);
  if (token.startsWith('rvya_sk_')) throw new Error('simulator admin token: must not look like an API key (rvya_sk_…)');
  return token;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether the request carries the admin token. Both sides are hashed first, so timingSafeEqual
 * compares equal-length buffers and neither the token's content nor its length leaks through timing.
 */
export function hasAdminToken(req: IncomingMessage, expected: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/.exec(req.headers.authorization ?? '');
  const presented = match?.[1] ?? '';
  const equal = timingSafeEqual(digest(presented), digest(expected));
  return equal && presented.length > 0;
}

/** The same answer for a missing and a wrong token, and nothing about either. */
export const adminUnauthorized = () =>
  new SimulatorHttpError(401, 'admin_unauthorized', 'Admin token required.', {
    'WWW-Authenticate': 'Bearer realm="rivya-simulator-admin"',
  });

/** A short, stable fingerprint of an API key: enough to tell keys apart, useless to call the API with. */
export function keyFingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}`;
}

export type RedactedApiKey = Omit<SimulatorApiKey, 'key'> & { fingerprint: string };
export type RedactedConfig = Omit<SimulatorConfig, 'apiKeys'> & { apiKeys: RedactedApiKey[] };

/** The config as the admin API shows it: every API key replaced by its fingerprint. */
export function redactConfig(config: SimulatorConfig): RedactedConfig {
  return {
    ...config,
    apiKeys: config.apiKeys.map(({ key, ...rest }) => ({ ...rest, fingerprint: keyFingerprint(key) })),
  };
}

/** The part of the running simulator the admin API steers. */
export interface AdminControls {
  adminToken(): string;
  stats(): SimulatorStats;
  requestLog(): readonly RequestLogEntry[];
  /** Every webhook delivery attempt, oldest first. */
  webhookDeliveries(): readonly WebhookDeliveryRecord[];
  /** The receiver looks down for `durationMs` (0 ends it): to one endpoint, or to all when null. */
  webhookOutage(durationMs: number, endpointId: string | null): { until: number; endpointId: string | null } | undefined;
  config(): SimulatorConfig;
  configure(patch: SimulatorConfigInput): SimulatorConfig;
  reset(patch?: SimulatorConfigInput): void;
}

/**
 * The answer, or undefined when no admin route matches (the request then goes on to a 404).
 * Throws a 401 before anything else — the body unread, nothing changed — without the admin token.
 */
export async function handleAdmin(controls: AdminControls, req: IncomingMessage, path: string): Promise<Answer | undefined> {
  if (!hasAdminToken(req, controls.adminToken())) throw adminUnauthorized();
  if (req.method === 'GET' && path === '/_simulator/stats') return { status: 200, body: controls.stats() };
  if (req.method === 'GET' && path === '/_simulator/requests') return { status: 200, body: controls.requestLog() };
  if (req.method === 'GET' && path === '/_simulator/webhook-deliveries') return { status: 200, body: filterDeliveries(controls, req) };
  if (req.method === 'POST' && path === '/_simulator/webhook-outage') return { status: 200, body: await startOutage(controls, req) };
  if (req.method === 'GET' && path === '/_simulator/config') return { status: 200, body: redactConfig(controls.config()) };
  if (req.method === 'POST' && path === '/_simulator/config') {
    const { json } = await readJson(req);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw validationFailed('config: must be an object');
    return { status: 200, body: redactConfig(controls.configure(json as SimulatorConfigInput)) };
  }
  if (req.method === 'POST' && path === '/_simulator/reset') {
    const { json } = await readJson(req);
    controls.reset((json ?? {}) as SimulatorConfigInput);
    return { status: 200, body: { ok: true } };
  }
  return undefined;
}

/** `?eventId=`, `?endpointId=`, `?taskId=` narrow the ledger; without them, all of it. */
function filterDeliveries(controls: AdminControls, req: IncomingMessage): readonly WebhookDeliveryRecord[] {
  const query = new URL(req.url ?? '/', 'http://simulator').searchParams;
  const filters = (['eventId', 'endpointId', 'taskId'] as const).filter((key) => query.has(key));
  const all = controls.webhookDeliveries();
  return filters.length === 0 ? all : all.filter((record) => filters.every((key) => record[key] === query.get(key)));
}

/** `{ "durationMs": n, "endpointId"?: "whend_…" }`: every delivery attempt in that window fails unsent. */
async function startOutage(controls: AdminControls, req: IncomingMessage): Promise<{ until: string | null; endpointId: string | null }> {
  const { json } = await readJson(req);
  const { durationMs, endpointId = null } = (json ?? {}) as { durationMs?: unknown; endpointId?: unknown };
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw validationFailed('durationMs: a non-negative number is required');
  }
  if (endpointId !== null && typeof endpointId !== 'string') throw validationFailed('endpointId: a string or null');
  const outage = controls.webhookOutage(durationMs, endpointId);
  return { until: outage ? new Date(outage.until).toISOString() : null, endpointId: outage?.endpointId ?? null };
}
