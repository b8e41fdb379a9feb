/**
 * The receiver as one request handler, `(req, res) => Promise<void>`, usable from node:http,
 * Express or Fastify. Its only state is counters, a route cache and a memory of delivered event ids
 * (delivery-memory.ts), all per process and all optional for correctness, so any number of replicas
 * can run behind one URL.
 *
 * A delivery goes through, in order: method → content type → size → signature → envelope → route.
 * Every refusal before "route" is answered without a Temporal call; only a verified, well-formed
 * generation event ever reaches Temporal, and an event this process already delivered does not
 * reach it again (`duplicate`). The answer follows Rivya's retry rule (S10): 2xx when
 * nothing more can come of the event here, non-2xx when a later redelivery could still succeed.
 *
 * Frameworks that read the body themselves must keep the exact bytes: put them in `req.rawBody`
 * (a Buffer), or use a raw parser that leaves a Buffer in `req.body` (Express `express.raw({ type:
 * 'application/json' })`; Fastify `addContentTypeParser('application/json', { parseAs: 'buffer' }, …)`
 * and pass `Object.assign(request.raw, { rawBody: request.body })` with `reply.raw` after
 * `reply.hijack()`). A body parsed to an object cannot be verified: that answers 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { toTaskSnapshot } from '../../activities/task-snapshot';
import type { WebhookEventSignal } from '../../workflows/generation/messages';
import { DEFAULT_MAX_BODY_BYTES, isJsonContentType, readRawBody, type WebhookRequest } from './body';
import { parseEnvelope, type GenerationEvent } from './envelope';
import { DeliveryMemory } from './delivery-memory';
import { formatDeliveryLine } from './log';
import { OUTCOME_STATUS, OutcomeCounter, type OutcomeDetails, type WebhookOutcome, type WebhookStats } from './outcomes';
import { TaskRouter, TemporalUnavailableError } from './route';
import { WebhookConfigError } from './secrets';
import { DEFAULT_TIMESTAMP_TOLERANCE_SECONDS, StandardWebhooksVerifier, type WebhookVerifier } from './verify';
import { unknownTaskVerdict } from './visibility-race';

/** How long after the task's creation an unknown task id still gets "try again" (visibility lag). */
export const DEFAULT_NOT_YET_VISIBLE_GRACE_MS = 120_000;
/** Retry-After on answers that ask for a redelivery. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** One delivery's Temporal calls; Rivya counts a delivery done only on a 2xx within 10 s (S10). */
export const DEFAULT_TEMPORAL_TIMEOUT_MS = 5_000;
export const DEFAULT_ROUTE_CACHE_SIZE = 1_000;
/** Delivered event ids remembered against replays: far above Rivya's event rate over the window. */
export const DEFAULT_DELIVERY_MEMORY_SIZE = 10_000;
/** The longest grace accepted: past an hour, "maybe not visible yet" is no longer plausible. */
export const MAX_NOT_YET_VISIBLE_GRACE_MS = 3_600_000;

export interface RivyaWebhookHandlerOptions {
  /** Temporal client; its namespace is where the owning workflows are looked up and signalled. */
  client: Client;
  /** Active `whsec_…` secrets for the Standard Webhooks verifier (rotation: any may verify). */
  secrets?: readonly string[];
  /** A different signature scheme, instead of `secrets`. */
  verifier?: WebhookVerifier;
  /** Timestamp window of the Standard Webhooks verifier, 1–300 s. Default 300. */
  toleranceSeconds?: number;
  /** Larger bodies get 413 (reading stops at the cap). Default 256 KiB. */
  maxBodyBytes?: number;
  /** An unknown task created less than this ago gets 409 (redeliver); older, 200 unknown-task. Default 2 min. */
  notYetVisibleGraceMs?: number;
  /** Retry-After on 409 not-yet-visible and 503 temporal-unavailable. Default 5 s. */
  retryAfterSeconds?: number;
  /** Bound on one delivery's Temporal calls; past it, 503. Default 5 s. */
  temporalTimeoutMs?: number;
  /** taskId → workflowId cache entries (skips the visibility query on redeliveries); 0 disables. Default 1000. */
  routeCacheSize?: number;
  /** Delivered event ids remembered, so a replayed copy is answered 200 `duplicate` unsignalled; 0 disables. Default 10,000. */
  deliveryMemorySize?: number;
  /** How long a delivered id is remembered. Default twice the timestamp tolerance (10 min): every replay that still verifies. */
  deliveryMemoryMs?: number;
  /** Called once per delivery after the answer is sent (metrics hook here). Errors it throws are ignored. */
  onOutcome?: (outcome: WebhookOutcome, details: OutcomeDetails) => void;
  /** One line per delivery; default console.log; `false` for none. */
  log?: ((line: string) => void) | false;
  /**
   * The worker's duration learner, when the receiver runs in the worker's process: each verified
   * task event teaches it (webhook completions are otherwise never seen by it, since no status check
   * is made). Give the same instance as the worker's `wait.learner`.
   */
  learner?: WebhookLearnerFeed;
}

/** What the receiver needs of a `CompletionLearner`. */
export interface WebhookLearnerFeed {
  attachWebhookFeed(): void;
  observe(task: WebhookEventSignal['task']): void;
}

export type RivyaWebhookHandler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) & {
  /** Deliveries by outcome since the handler was created, and the route cache's use. */
  stats(): WebhookStats;
};

interface Decision {
  outcome: WebhookOutcome;
  headers?: Record<string, string>;
}

export function createRivyaWebhookHandler(options: RivyaWebhookHandlerOptions): RivyaWebhookHandler {
  const settings = resolveSettings(options);
  const verifier =
    options.verifier ?? new StandardWebhooksVerifier({ secrets: options.secrets ?? [], toleranceSeconds: options.toleranceSeconds });
  const router = new TaskRouter(options.client, { timeoutMs: settings.temporalTimeoutMs, cacheSize: settings.routeCacheSize });
  const counter = new OutcomeCounter();
  const delivered = new DeliveryMemory(settings.deliveryMemorySize, settings.deliveryMemoryMs);
  /** Event id → the decision of the copy being routed now: a concurrent copy waits for it instead of routing too. */
  const inFlight = new Map<string, Promise<Decision>>();
  const log = options.log === false ? undefined : (options.log ?? ((line: string) => console.log(line)));
  const retryLater = { 'retry-after': String(settings.retryAfterSeconds) };
  options.learner?.attachWebhookFeed();

  async function decide(req: WebhookRequest, details: Partial<OutcomeDetails>): Promise<Decision> {
    details.eventId = headerValue(req.headers['webhook-id']);
    if (req.method !== 'POST') return { outcome: 'method-not-allowed', headers: { allow: 'POST' } };
    if (!isJsonContentType(headerValue(req.headers['content-type']))) return { outcome: 'wrong-content-type' };

    const read = await readRawBody(req, settings.maxBodyBytes);
    if (!read.ok) {
      details.reason = read.detail;
      // After a cut-off read the rest of the body is still on the wire: close rather than drain it.
      const close = { connection: 'close' };
      if (read.reason === 'too-large') return { outcome: 'too-large', headers: close };
      // A body that stopped short is a malformed request; one a framework consumed is our misconfiguration.
      if (read.reason === 'aborted') return { outcome: 'malformed', headers: close };
      return { outcome: 'internal-error', headers: close };
    }

    const verified = verifier.verify({ body: read.body, headers: req.headers });
    if (!verified.ok) {
      details.reason = verified.reason;
      return {
        outcome: verified.reason === 'stale-timestamp' || verified.reason === 'future-timestamp' ? 'stale-timestamp' : 'bad-signature',
      };
    }

    const envelope = parseEnvelope(read.body);
    if (envelope.kind === 'malformed') {
      details.reason = envelope.reason;
      return { outcome: 'malformed' };
    }
    const envelopeId = envelope.kind === 'generation' ? envelope.event.id : envelope.id;
    if (verified.messageId !== undefined && verified.messageId !== envelopeId) {
      // The signature covers the header id and the body separately: they must name one event.
      details.reason = 'webhook-id header differs from the envelope id';
      return { outcome: 'malformed' };
    }
    details.eventId = envelopeId;
    if (envelope.kind === 'other') {
      details.eventType = envelope.type;
      return { outcome: 'ignored-event-type' };
    }
    return routeOnce(envelope.event, details);
  }

  /** Routes an event unless this process already delivered it, or is delivering it right now. */
  async function routeOnce(event: GenerationEvent, details: Partial<OutcomeDetails>): Promise<Decision> {
    details.eventType = event.type;
    details.taskId = event.task.id;
    if (delivered.has(event.id)) {
      details.reason = 'already delivered by this receiver';
      return { outcome: 'duplicate' };
    }
    const running = inFlight.get(event.id);
    if (running) {
      // Shares the first copy's fate: delivered → duplicate; not (503, 409) → the same "try again",
      // so Rivya's redelivery is not lost and no copy waits for more than one routing.
      const first = await running;
      details.reason = 'a copy of this event was being delivered at the same time';
      return DECIDED.has(first.outcome) ? { outcome: 'duplicate' } : { outcome: first.outcome, headers: first.headers };
    }
    const routing = route(event, details);
    inFlight.set(event.id, routing);
    try {
      const decision = await routing;
      // Only a decided delivery: an event that did not reach its workflow must get through on redelivery.
      if (DECIDED.has(decision.outcome)) delivered.remember(event.id);
      return decision;
    } finally {
      inFlight.delete(event.id);
    }
  }

  async function route(event: GenerationEvent, details: Partial<OutcomeDetails>): Promise<Decision> {
    const payload: WebhookEventSignal = {
      eventId: event.id,
      type: event.type,
      createdAt: event.createdAt,
      task: toTaskSnapshot(event.task),
    };
    // Verified: what it says of the task is true whatever becomes of the routing.
    options.learner?.observe(payload.task);
    let result;
    try {
      result = await router.route(payload);
    } catch (err) {
      if (!(err instanceof TemporalUnavailableError)) throw err;
      details.reason = `Temporal: ${err.code}`;
      return { outcome: 'temporal-unavailable', headers: retryLater };
    }
    if (result.kind === 'signalled') {
      details.workflowIds = result.workflowIds;
      if (result.cached) details.reason = 'route cache';
      return { outcome: 'signalled' };
    }
    if (result.kind === 'closed') {
      details.workflowIds = result.workflowIds;
      return { outcome: 'closed' };
    }
    // Not found: fresh → ask for a redelivery, old → not ours. Why that is safe: visibility-race.ts.
    const { verdict, ageMs } = unknownTaskVerdict(event.task.created_at, Date.now(), settings.notYetVisibleGraceMs);
    const age = `task created ${Math.round(ageMs / 1000)} s ago`;
    if (verdict === 'not-yet-visible') {
      details.reason = `${age}, within the ${settings.notYetVisibleGraceMs / 1000} s grace`;
      return { outcome: 'not-yet-visible', headers: retryLater };
    }
    details.reason = `no workflow has this task id; ${age}`;
    return { outcome: 'unknown-task' };
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const details: Partial<OutcomeDetails> = {};
    let decision: Decision;
    try {
      decision = await decide(req as WebhookRequest, details);
    } catch (err) {
      // Never the error's message: it could quote anything. Its name is enough to start looking.
      details.reason = `unexpected ${err instanceof Error ? err.name : 'error'}`;
      decision = { outcome: 'internal-error' };
    }
    const status = OUTCOME_STATUS[decision.outcome];
    await answer(res, status, decision);
    const finished: OutcomeDetails = { ...details, status, durationMs: Date.now() - started };
    counter.add(decision.outcome);
    log?.(formatDeliveryLine(decision.outcome, finished));
    try {
      options.onOutcome?.(decision.outcome, finished);
    } catch {
      // A metrics hook must not turn a handled delivery into a crash.
    }
  };

  return Object.assign(handler, {
    stats: (): WebhookStats => ({
      ...counter.snapshot(),
      routeCache: { size: router.cache.size, hits: router.cache.hits, misses: router.cache.misses },
      deliveryMemory: { size: delivered.size },
    }),
  });
}

/** Outcomes after which nothing more can come of the event here: a copy of it is a duplicate. */
const DECIDED: ReadonlySet<WebhookOutcome> = new Set(['signalled', 'closed', 'unknown-task']);

/** Small JSON answer naming the outcome; nothing from the request is echoed. */
async function answer(res: ServerResponse, status: number, decision: Decision): Promise<void> {
  // A client that hung up gets no answer, but the delivery is still counted and logged.
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const body = JSON.stringify({ outcome: decision.outcome });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...decision.headers,
  });
  // 'close' too: on a connection that dies meanwhile, end's callback never comes.
  await new Promise<void>((resolve) => {
    res.once('close', () => resolve());
    res.end(body, () => resolve());
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function resolveSettings(options: RivyaWebhookHandlerOptions) {
  if (options.verifier && options.secrets) throw new WebhookConfigError('give either secrets or a verifier, not both');
  const settings = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    notYetVisibleGraceMs: options.notYetVisibleGraceMs ?? DEFAULT_NOT_YET_VISIBLE_GRACE_MS,
    retryAfterSeconds: options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    temporalTimeoutMs: options.temporalTimeoutMs ?? DEFAULT_TEMPORAL_TIMEOUT_MS,
    routeCacheSize: options.routeCacheSize ?? DEFAULT_ROUTE_CACHE_SIZE,
    deliveryMemorySize: options.deliveryMemorySize ?? DEFAULT_DELIVERY_MEMORY_SIZE,
    // Every replay that still verifies: a custom verifier's window is unknown, so Standard Webhooks' default.
    deliveryMemoryMs: options.deliveryMemoryMs ?? 2 * (options.toleranceSeconds ?? DEFAULT_TIMESTAMP_TOLERANCE_SECONDS) * 1000,
  };
  const check = (name: keyof typeof settings, min: number, max: number) => {
    const value = settings[name];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new WebhookConfigError(`${name} must be an integer from ${min} to ${max}`);
  };
  check('maxBodyBytes', 1, 64 * 1024 * 1024);
  check('notYetVisibleGraceMs', 0, MAX_NOT_YET_VISIBLE_GRACE_MS);
  check('retryAfterSeconds', 1, 3_600);
  check('temporalTimeoutMs', 100, 60_000);
  check('routeCacheSize', 0, 1_000_000);
  check('deliveryMemorySize', 0, 1_000_000);
  check('deliveryMemoryMs', 1_000, 86_400_000);
  return settings;
}
