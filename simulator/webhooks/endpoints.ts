/**
 * The webhook half of the simulator's in-memory world (D8): each account's endpoints with their
 * signing secrets and health, the events generated for each account, and the ledger of every
 * delivery attempt with its answer. Pure state: URL rules, delivery and HTTP live elsewhere.
 */
import { randomBytes } from 'node:crypto';
import type { WebhookEventType, WebhookFaultKind } from './config';

export type WebhookEndpointStatus = 'active' | 'disabled' | 'revoked';

export interface SimWebhookEndpoint {
  id: string;
  account: string;
  name: string;
  url: string;
  eventTypes: WebhookEventType[];
  status: WebhookEndpointStatus;
  /** `whsec_` + base64 key (S7). Only create and rotate-secret ever answer it. */
  secret: string;
  /** Consecutive failed deliveries (every attempt used up); a delivered event resets it (S12). */
  failureCount: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  disabledAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The S10 envelope, byte for byte what a delivery's body is. */
export interface WebhookEnvelope {
  id: string;
  type: string;
  api_version: string;
  created_at: string;
  data: Record<string, unknown>;
}

export interface WebhookEvent {
  account: string;
  /** The task the event is about; null for a test event. */
  taskId: string | null;
  envelope: WebhookEnvelope;
}

/** What a ledger entry's request was: the delivery itself or one of the extras a fault adds. */
export type WebhookDeliveryKind = 'genuine' | 'duplicate' | 'forged' | 'stale-replay' | 'test';

/** One delivery attempt and its answer. */
export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  endpointId: string;
  taskId: string | null;
  /** The event type. */
  type: string;
  /** 1 for the first try, n for retry n-1; an extra copy carries the attempt it accompanied. */
  attempt: number;
  kind: WebhookDeliveryKind;
  /** The delivery fault shaping this delivery, `outage` for the admin receiver-down window, else null. */
  fault: WebhookFaultKind | 'outage' | null;
  /** Epoch ms when the attempt started. */
  at: number;
  /** The receiver's HTTP status; 0 when nothing was sent or no answer came (timeout, refused, reset). */
  status: number;
  durationMs: number;
  /** Why there is no 2xx, in words (never a secret); null when the receiver answered. */
  error: string | null;
}

export const API_VERSION = '2026-05-11';
const MAX_EVENTS = 100_000;
const MAX_DELIVERIES = 100_000;
/** Per account, not counting revoked ones: keeps a runaway test from growing the world forever. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 100;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** S7: the Standard Webhooks secret format, 24 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export class WebhookStore {
  private readonly endpoints = new Map<string, SimWebhookEndpoint>();
  /** Oldest first, bounded. */
  readonly events: WebhookEvent[] = [];
  /** Every delivery attempt, oldest first, bounded. */
  readonly deliveries: WebhookDeliveryRecord[] = [];

  reset(): void {
    this.endpoints.clear();
    this.events.length = 0;
    this.deliveries.length = 0;
  }

  create(input: { account: string; name: string; url: string; eventTypes: WebhookEventType[]; now: number }): SimWebhookEndpoint {
    const endpoint: SimWebhookEndpoint = {
      id: newId('whend'),
      account: input.account,
      name: input.name,
      url: input.url,
      eventTypes: input.eventTypes,
      status: 'active',
      secret: newSigningSecret(),
      failureCount: 0,
      lastSuccessAt: null,
      lastFailureAt: null,
      disabledAt: null,
      revokedAt: null,
      createdAt: input.now,
      updatedAt: input.now,
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** The account's endpoint, or undefined (unknown id and another account's id look the same). */
  get(account: string, id: string): SimWebhookEndpoint | undefined {
    const endpoint = this.endpoints.get(id);
    return endpoint?.account === account ? endpoint : undefined;
  }

  /** By id alone: the delivery queue re-reads an endpoint before each attempt. */
  byId(id: string): SimWebhookEndpoint | undefined {
    return this.endpoints.get(id);
  }

  /** A new secret; the old one signs nothing from now on (deliveries read the secret per attempt). */
  rotateSecret(endpoint: SimWebhookEndpoint, now: number): void {
    endpoint.secret = newSigningSecret();
    endpoint.updatedAt = now;
  }

  /** The account's endpoints, newest first, revoked ones included. */
  list(account: string): SimWebhookEndpoint[] {
    return [...this.endpoints.values()].filter((endpoint) => endpoint.account === account).reverse();
  }

  countLive(account: string): number {
    return this.list(account).filter((endpoint) => endpoint.status !== 'revoked').length;
  }

  all(): SimWebhookEndpoint[] {
    return [...this.endpoints.values()];
  }

  /** Active endpoints of the account subscribed to `type`, in creation order. */
  subscribers(account: string, type: string): SimWebhookEndpoint[] {
    return this.all().filter(
      (endpoint) => endpoint.account === account && endpoint.status === 'active' && endpoint.eventTypes.includes(type as WebhookEventType),
    );
  }

  recordEvent(event: WebhookEvent): void {
    push(this.events, event, MAX_EVENTS);
  }

  /** The account's events, newest first. */
  eventsOf(account: string): WebhookEnvelope[] {
    return this.events
      .filter((event) => event.account === account)
      .map((event) => event.envelope)
      .reverse();
  }

  recordDelivery(record: Omit<WebhookDeliveryRecord, 'id'>): WebhookDeliveryRecord {
    const entry = { id: newId('whdel'), ...record };
    push(this.deliveries, entry, MAX_DELIVERIES);
    return entry;
  }

  /** The endpoint's delivery attempts, newest first. */
  deliveriesOf(endpointId: string, limit: number): WebhookDeliveryRecord[] {
    const found: WebhookDeliveryRecord[] = [];
    for (let i = this.deliveries.length - 1; i >= 0 && found.length < limit; i--) {
      if (this.deliveries[i]!.endpointId === endpointId) found.push(this.deliveries[i]!);
    }
    return found;
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** `whsec_…abcd`: enough to tell secrets apart in a dashboard, useless for signing. */
export function secretPreview(secret: string): string {
  return `whsec_…${secret.slice(-4)}`;
}

/** The public endpoint object (D8); `signing_secret` only when `withSecret` (create, rotate-secret). */
export function serializeEndpoint(endpoint: SimWebhookEndpoint, { withSecret = false } = {}): Record<string, unknown> {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    name: endpoint.name,
    url: endpoint.url,
    event_types: endpoint.eventTypes,
    status: endpoint.status,
    secret_preview: secretPreview(endpoint.secret),
    ...(withSecret ? { signing_secret: endpoint.secret } : {}),
    failure_count: endpoint.failureCount,
    last_success_at: iso(endpoint.lastSuccessAt),
    last_failure_at: iso(endpoint.lastFailureAt),
    disabled_at: iso(endpoint.disabledAt),
    revoked_at: iso(endpoint.revokedAt),
    created_at: iso(endpoint.createdAt),
    updated_at: iso(endpoint.updatedAt),
  };
}

/** The public delivery-attempt object (S12). */
export function serializeDelivery(record: WebhookDeliveryRecord): Record<string, unknown> {
  return {
    id: record.id,
    object: 'webhook_delivery',
    event_id: record.eventId,
    endpoint_id: record.endpointId,
    task_id: record.taskId,
    type: record.type,
    attempt: record.attempt,
    kind: record.kind,
    fault: record.fault,
    status: record.status,
    duration_ms: record.durationMs,
    error: record.error,
    created_at: iso(record.at),
  };
}

/** `stats().webhooks`: how many of what, for tests and benchmarks. */
export interface WebhookStats {
  endpoints: Record<WebhookEndpointStatus, number>;
  events: number;
  /** Ledger entries: every attempt, extras included. */
  attempts: number;
  /** Genuine and test attempts answered with a 2xx. */
  delivered: number;
  byKind: Record<string, number>;
  byFault: Record<string, number>;
  byStatus: Record<string, number>;
}

export function webhookStats(store: WebhookStore): WebhookStats {
  const endpoints: Record<WebhookEndpointStatus, number> = { active: 0, disabled: 0, revoked: 0 };
  for (const endpoint of store.all()) endpoints[endpoint.status] += 1;
  const byKind: Record<string, number> = {};
  const byFault: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  let delivered = 0;
  for (const record of store.deliveries) {
    byKind[record.kind] = (byKind[record.kind] ?? 0) + 1;
    if (record.fault) byFault[record.fault] = (byFault[record.fault] ?? 0) + 1;
    byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    if ((record.kind === 'genuine' || record.kind === 'test') && record.status >= 200 && record.status < 300) delivered += 1;
  }
  return { endpoints, events: store.events.length, attempts: store.deliveries.length, delivered, byKind, byFault, byStatus };
}
