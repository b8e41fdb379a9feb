/**
 * The delivery queue (S10): for each event, one delivery per subscribed active endpoint — signed
 * (S7), retried on anything but a 2xx with the configured growing delays, shaped by at most one
 * delivery fault — with every attempt recorded in the ledger. Also the `/test` send, the admin
 * receiver-outage window, and `idle()` for tests that wait until everything scheduled has settled.
 *
 * Each delivery is one async function reading top to bottom; its waits are unref'd timers that a
 * reset or close cancels, and anything still running from before a reset records nothing.
 */
import { randomBytes } from 'node:crypto';
import { seededRandom, type Random } from '../random';
import { WEBHOOK_TEST_EVENT_TYPE, type WebhookFaultKind, type WebhookFaultRules, type WebhooksConfig } from './config';
import { decideDeliveryFault, forgerSecret, tamperedEnvelope } from './delivery-faults';
import {
  API_VERSION,
  type SimWebhookEndpoint,
  type WebhookDeliveryKind,
  type WebhookDeliveryRecord,
  type WebhookEvent,
  type WebhookStore,
} from './endpoints';
import { post, sendSigned, signatureHeaders, type SendOutcome } from './send';

export interface WebhookDispatcherDeps {
  store: WebhookStore;
  settings(): WebhooksConfig;
  now(): number;
}

/** What a terminal task transition (or anything else worth an event) publishes. */
export interface PublishedEvent {
  account: string;
  taskId: string | null;
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** One event on its way to one endpoint. */
interface Delivery {
  event: WebhookEvent;
  endpointId: string;
  fault: WebhookFaultKind | undefined;
  /** The fault settings as they were when the delivery was planned. */
  rules: WebhookFaultRules;
  /** A reordered delivery: its own first attempt releases nothing. */
  heldBack: boolean;
  generation: number;
}

/** The receiver looks down (every attempt fails unsent) until `until`; for one endpoint or all. */
interface Outage {
  until: number;
  endpointId: string | null;
}

/** A separate stream from the store's, so turning delivery faults on does not change task outcomes. */
const FAULT_SEED_SALT = 0x5eb4_00c5;

export class WebhookDispatcher {
  private random: Random;
  /** Bumped by reset: work started before it records nothing. */
  private generation = 0;
  private abort = new AbortController();
  private readonly timers = new Timers();
  /** Reordered deliveries per endpoint, released by that endpoint's next delivery. */
  private readonly heldBack = new Map<string, Array<() => void>>();
  private outage: Outage | undefined;
  /** Deliveries and test sends of this generation not yet settled. */
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: WebhookDispatcherDeps,
    seed: number,
  ) {
    this.random = seededRandom(seed ^ FAULT_SEED_SALT);
  }

  /** Records the event for its account and starts a delivery to each subscribed active endpoint. */
  publish(published: PublishedEvent): WebhookEvent {
    const event = this.newEvent(published);
    this.deps.store.recordEvent(event);
    const settings = this.deps.settings();
    for (const endpoint of this.deps.store.subscribers(event.account, event.envelope.type)) {
      const fault = decideDeliveryFault(settings.faults, this.random);
      const delivery: Delivery = {
        event,
        endpointId: endpoint.id,
        fault,
        rules: structuredClone(settings.faults),
        heldBack: false,
        generation: this.generation,
      };
      void this.track(this.deliver(delivery));
    }
    return event;
  }

  /** `POST /webhooks/{id}/test`: one signed `webhook.test` attempt, no retries, no faults but an outage. */
  async sendTest(endpoint: SimWebhookEndpoint): Promise<{ event: WebhookEvent; delivery: WebhookDeliveryRecord | undefined }> {
    const event = this.newEvent({
      account: endpoint.account,
      taskId: null,
      type: WEBHOOK_TEST_EVENT_TYPE,
      data: { object: 'webhook_test', endpoint_id: endpoint.id },
      at: this.deps.now(),
    });
    this.deps.store.recordEvent(event);
    const delivery: Delivery = {
      event,
      endpointId: endpoint.id,
      fault: undefined,
      rules: this.deps.settings().faults,
      heldBack: false,
      generation: this.generation,
    };
    let record: WebhookDeliveryRecord | undefined;
    await this.track(
      (async () => {
        record = await this.attempt(delivery, endpoint, 'test', 1);
      })(),
    );
    // Undefined only when the simulator was reset while the test was in flight.
    return { event, delivery: record };
  }

  /** The admin switch: every attempt (to `endpointId`, or to any endpoint) fails unsent for `durationMs`; 0 ends it. */
  startOutage(durationMs: number, endpointId: string | null): Outage | undefined {
    this.outage = durationMs > 0 ? { until: this.deps.now() + durationMs, endpointId } : undefined;
    return this.outage;
  }

  /** Resolves once no delivery is running or scheduled (retries and held-back ones included). */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels everything scheduled or in flight; nothing from before records anything after. */
  reset(seed: number): void {
    this.generation += 1;
    this.abort.abort();
    this.abort = new AbortController();
    this.timers.cancelAll();
    this.heldBack.clear();
    this.outage = undefined;
    this.random = seededRandom(seed ^ FAULT_SEED_SALT);
    this.active = 0;
    this.settleIdle();
  }

  close(): void {
    this.reset(0);
  }

  // --- one delivery, top to bottom ---

  private async deliver(delivery: Delivery): Promise<void> {
    const { fault, rules } = delivery;
    if (fault === 'drop') {
      this.recordUnsent(delivery, 'genuine', 1, 'dropped (fault)');
      return;
    }
    if (fault === 'delay' && !(await this.timers.wait(rules.delayMs))) return;
    if (fault === 'reorder' && !(await this.holdBack(delivery))) return;
    if (fault === 'forged_signature') await this.attemptIfLive(delivery, 'forged', 1);
    for (let attempt = 1; ; attempt++) {
      const endpoint = this.liveEndpoint(delivery);
      // Disabled, revoked or reset meanwhile: the delivery ends quietly.
      if (!endpoint) return;
      const record = await this.attempt(delivery, endpoint, 'genuine', attempt);
      if (!record) return;
      if (attempt === 1) await this.afterFirstAttempt(delivery);
      if (isSuccess(record.status)) return this.noteDelivered(endpoint, record);
      endpoint.lastFailureAt = record.at;
      const delayMs = this.deps.settings().retryDelaysMs[attempt - 1];
      if (delayMs === undefined) return this.noteFailedDelivery(endpoint);
      if (!(await this.timers.wait(delayMs))) return;
    }
  }

  /** The extras a fault adds after the first attempt, and the release of held-back deliveries. */
  private async afterFirstAttempt(delivery: Delivery): Promise<void> {
    if (delivery.fault === 'duplicate') await this.attemptIfLive(delivery, 'duplicate', 1);
    if (delivery.fault === 'stale_replay') await this.attemptIfLive(delivery, 'stale-replay', 1);
    if (!delivery.heldBack) this.releaseHeldBack(delivery.endpointId);
  }

  private async attemptIfLive(delivery: Delivery, kind: WebhookDeliveryKind, attempt: number): Promise<void> {
    const endpoint = this.liveEndpoint(delivery);
    if (endpoint) await this.attempt(delivery, endpoint, kind, attempt);
  }

  /**
   * One request of `kind` and its ledger entry; undefined when a reset came meanwhile. Fails
   * unsent during an outage, and for the first attempts of an `unreachable` delivery.
   */
  private async attempt(
    delivery: Delivery,
    endpoint: SimWebhookEndpoint,
    kind: WebhookDeliveryKind,
    attempt: number,
  ): Promise<WebhookDeliveryRecord | undefined> {
    const at = this.deps.now();
    let fault: WebhookDeliveryRecord['fault'] = delivery.fault ?? null;
    let outcome: SendOutcome;
    if (this.inOutage(endpoint.id, at)) {
      fault = 'outage';
      outcome = { status: 0, durationMs: 0, error: 'receiver down (admin outage)' };
    } else if (delivery.fault === 'unreachable' && kind === 'genuine' && attempt <= delivery.rules.unreachableAttempts) {
      outcome = { status: 0, durationMs: 0, error: 'receiver unreachable (fault)' };
    } else {
      outcome = await this.transmit(delivery, endpoint, kind);
    }
    const record = {
      eventId: delivery.event.envelope.id,
      endpointId: endpoint.id,
      taskId: delivery.event.taskId,
      type: delivery.event.envelope.type,
      attempt,
      kind,
      fault,
      at,
      ...outcome,
    };
    if (delivery.generation !== this.generation) return undefined;
    return this.deps.store.recordDelivery(record);
  }

  /** The request on the wire. The endpoint's secret is read now: after a rotation only the new one signs. */
  private transmit(delivery: Delivery, endpoint: SimWebhookEndpoint, kind: WebhookDeliveryKind): Promise<SendOutcome> {
    const settings = this.deps.settings();
    const options = { allowLoopbackUrls: settings.allowLoopbackUrls, timeoutMs: settings.timeoutMs, signal: this.abort.signal };
    const { envelope } = delivery.event;
    const signed = { url: endpoint.url, msgId: envelope.id, body: JSON.stringify(envelope), signedAt: new Date(), secret: endpoint.secret };
    switch (kind) {
      case 'forged': {
        const body = JSON.stringify(tamperedEnvelope(envelope));
        const headers = { 'content-type': 'application/json', ...signatureHeaders({ ...signed, body, secret: forgerSecret() }) };
        return post(endpoint.url, body, headers, options);
      }
      case 'stale-replay':
        return sendSigned({ ...signed, signedAt: new Date(Date.now() - delivery.rules.staleBySeconds * 1000) }, options);
      default:
        return sendSigned(signed, options);
    }
  }

  private recordUnsent(delivery: Delivery, kind: WebhookDeliveryKind, attempt: number, error: string): void {
    this.deps.store.recordDelivery({
      eventId: delivery.event.envelope.id,
      endpointId: delivery.endpointId,
      taskId: delivery.event.taskId,
      type: delivery.event.envelope.type,
      attempt,
      kind,
      fault: delivery.fault ?? null,
      at: this.deps.now(),
      status: 0,
      durationMs: 0,
      error,
    });
  }

  private noteDelivered(endpoint: SimWebhookEndpoint, record: WebhookDeliveryRecord): void {
    endpoint.failureCount = 0;
    endpoint.lastSuccessAt = record.at;
  }

  /** Every attempt used up: one more consecutive failure, and enough of them disable the endpoint. */
  private noteFailedDelivery(endpoint: SimWebhookEndpoint): void {
    endpoint.failureCount += 1;
    if (endpoint.status === 'active' && endpoint.failureCount >= this.deps.settings().disableAfterFailures) {
      const now = this.deps.now();
      endpoint.status = 'disabled';
      endpoint.disabledAt = now;
      endpoint.updatedAt = now;
    }
  }

  // --- holding back, outages, bookkeeping ---

  /** True once released (by the endpoint's next delivery, or after `reorderMaxHoldMs`); false on reset. */
  private holdBack(delivery: Delivery): Promise<boolean> {
    delivery.heldBack = true;
    const timeout = this.timers.schedule(delivery.rules.reorderMaxHoldMs);
    const release = () => timeout.fire();
    const waiting = this.heldBack.get(delivery.endpointId) ?? [];
    waiting.push(release);
    this.heldBack.set(delivery.endpointId, waiting);
    return timeout.done.finally(() => {
      const list = this.heldBack.get(delivery.endpointId);
      if (list?.includes(release)) list.splice(list.indexOf(release), 1);
    });
  }

  private releaseHeldBack(endpointId: string): void {
    const waiting = this.heldBack.get(endpointId);
    this.heldBack.delete(endpointId);
    for (const release of waiting ?? []) release();
  }

  private inOutage(endpointId: string, at: number): boolean {
    const outage = this.outage;
    return outage !== undefined && at < outage.until && (outage.endpointId === null || outage.endpointId === endpointId);
  }

  private liveEndpoint(delivery: Delivery): SimWebhookEndpoint | undefined {
    if (delivery.generation !== this.generation) return undefined;
    const endpoint = this.deps.store.byId(delivery.endpointId);
    return endpoint?.status === 'active' ? endpoint : undefined;
  }

  private newEvent({ account, taskId, type, data, at }: PublishedEvent): WebhookEvent {
    const envelope = {
      id: `evt_${randomBytes(12).toString('hex')}`,
      type,
      api_version: API_VERSION,
      created_at: new Date(at).toISOString(),
      data,
    };
    return { account, taskId, envelope };
  }

  /** Counts `work` as running until it settles (in this generation); a crash is logged, never thrown. */
  private track(work: Promise<void>): Promise<void> {
    const generation = this.generation;
    this.active += 1;
    return work
      .catch((err: unknown) => console.error('[rivya-simulator] webhook delivery crashed', err))
      .finally(() => {
        if (generation !== this.generation) return;
        this.active -= 1;
        this.settleIdle();
      });
  }

  private settleIdle(): void {
    if (this.active > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** Unref'd timers a reset can cancel: `done` resolves true when elapsed (or fired early), false when cancelled. */
class Timers {
  private readonly pending = new Map<NodeJS.Timeout, (elapsed: boolean) => void>();

  schedule(ms: number): { done: Promise<boolean>; fire(): void } {
    let settle!: (elapsed: boolean) => void;
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    const timer = setTimeout(() => finish(true), ms);
    timer.unref();
    const finish = (elapsed: boolean) => {
      if (!this.pending.delete(timer)) return;
      clearTimeout(timer);
      settle(elapsed);
    };
    this.pending.set(timer, finish);
    return { done, fire: () => finish(true) };
  }

  wait(ms: number): Promise<boolean> {
    return this.schedule(ms).done;
  }

  cancelAll(): void {
    for (const finish of [...this.pending.values()]) finish(false);
  }
}
