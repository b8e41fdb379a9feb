/**
 * A faithful, controllable fake of Rivya API v1 over real HTTP, in the spirit of stripe-mock:
 * documented behaviour (section D of the contract), our assumptions where the docs are silent
 * (section S), and deterministic fault injection for tests and benchmarks.
 *
 * This module is the request pipeline only. What each route answers is in `routes.ts`, what each
 * fault does in `fault-outcome.ts`, the admin API in `admin.ts`, public media in `media.ts`,
 * webhook endpoints and their signed deliveries in `webhooks/` (fed by the store's terminal hook).
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleAdmin, resolveAdminToken, type AdminControls } from './admin';
import { authenticate } from './auth';
import { mergeConfig, simulatorConfigSchema, type SimulatedEndpoint, type SimulatorConfig, type SimulatorConfigInput } from './config';
import { decodeFault, type Delivery, type FaultOutcome } from './fault-outcome';
import { FaultInjector } from './faults';
import {
  internalError,
  newRequestId,
  notFound,
  publicApiDisabled,
  rateLimited,
  sendError,
  sendJson,
  SimulatorHttpError,
  toHttpError,
  type Answer,
} from './http';
import { lookupMedia } from './media';
import { ANONYMOUS, matchRoute, routeHandlers, type RouteDeps, type RouteMatch } from './routes';
import { buildStats, type SimulatorStats } from './stats';
import { SimulatorStore } from './store';
import { WebhookDispatcher } from './webhooks/delivery';
import { terminalTaskEvent } from './webhooks/task-events';

export interface StartSimulatorOptions extends SimulatorConfigInput {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Address to bind: loopback (127.0.0.1) unless told otherwise. */
  host?: string;
  /**
   * The token `/_simulator/*` routes require as `Authorization: Bearer <token>`. Default:
   * RIVYA_SIMULATOR_ADMIN_TOKEN, else a random one per start (read it back from `adminToken`).
   */
  adminToken?: string;
}

export interface RivyaSimulator {
  /** Base URL to give the client, e.g. http://127.0.0.1:53211 */
  readonly url: string;
  readonly port: number;
  /** What the `/_simulator/*` admin routes require as `Authorization: Bearer <token>`. */
  readonly adminToken: string;
  readonly store: SimulatorStore;
  config(): SimulatorConfig;
  /** Merges a partial config (faults, timing, failure rate, ...) into the running simulator. */
  configure(patch: SimulatorConfigInput): SimulatorConfig;
  /** Forgets all state and returns to the start-up config, plus `patch`. */
  reset(patch?: SimulatorConfigInput): void;
  stats(): SimulatorStats;
  /**
   * Resolves once no webhook delivery is running or scheduled — retries, delayed and held-back
   * deliveries included (with the default S10 schedule that can be hours: tests set short delays).
   */
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}

export async function startRivyaSimulator(options: StartSimulatorOptions = {}): Promise<RivyaSimulator> {
  return RivyaSimulatorServer.start(options);
}

export class RivyaSimulatorServer implements RivyaSimulator {
  readonly store: SimulatorStore;
  readonly adminToken: string;
  private current: SimulatorConfig;
  private readonly faults: FaultInjector;
  private readonly webhooks: WebhookDispatcher;
  private readonly storageDir = mkdtempSync(join(tmpdir(), 'rivya-sim-'));
  private readonly http: Server;
  private baseUrl = '';
  private boundPort = 0;
  private readonly deps: RouteDeps;

  static async start(options: StartSimulatorOptions = {}): Promise<RivyaSimulatorServer> {
    const { port = 0, host = '127.0.0.1', adminToken, ...configInput } = options;
    const simulator = new RivyaSimulatorServer(configInput, resolveAdminToken(adminToken));
    await simulator.listen(port, host);
    return simulator;
  }

  private constructor(
    private readonly configInput: SimulatorConfigInput,
    adminToken: string,
  ) {
    this.adminToken = adminToken;
    this.current = this.initialConfig();
    this.store = new SimulatorStore(this.current, (taskId) => `${this.baseUrl}/media/videos/${taskId}.mp4`);
    this.faults = new FaultInjector(() => this.store.random);
    this.webhooks = new WebhookDispatcher(
      { store: this.store.webhooks, settings: () => this.current.webhooks, now: () => this.now() },
      this.current.seed,
    );
    this.store.onTerminal = (task) => this.webhooks.publish(terminalTaskEvent(task));
    this.deps = {
      store: this.store,
      storageDir: this.storageDir,
      config: () => this.current,
      publicBaseUrl: () => this.baseUrl,
      now: () => this.now(),
      webhooks: this.webhooks,
    };
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        console.error('[rivya-simulator] handler crashed', err);
        if (!res.headersSent) sendError(res, internalError(), newRequestId());
      });
    });
  }

  // --- the RivyaSimulator API (arrow properties: callers may pass them around unbound) ---

  get url(): string {
    return this.baseUrl;
  }

  get port(): number {
    return this.boundPort;
  }

  readonly config = (): SimulatorConfig => this.current;

  readonly configure = (patch: SimulatorConfigInput): SimulatorConfig => {
    this.current = mergeConfig(this.current, patch);
    this.store.reconfigure(this.current);
    return this.current;
  };

  readonly reset = (patch: SimulatorConfigInput = {}): void => {
    this.current = mergeConfig(this.initialConfig(), patch);
    // Deliveries first: nothing in flight may write into the store being cleared.
    this.webhooks.reset(this.current.seed);
    this.store.reset(this.current);
  };

  readonly stats = (): SimulatorStats => buildStats(this.store);

  readonly webhooksIdle = (): Promise<void> => this.webhooks.idle();

  readonly close = async (): Promise<void> => {
    this.webhooks.close();
    this.store.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    rmSync(this.storageDir, { recursive: true, force: true });
  };

  private readonly adminControls: AdminControls = {
    // Read per request: field initialisers run before the constructor body sets the token.
    adminToken: () => this.adminToken,
    stats: this.stats,
    config: this.config,
    requestLog: () => this.store.requestLog,
    webhookDeliveries: () => this.store.webhooks.deliveries,
    webhookOutage: (durationMs, endpointId) => this.webhooks.startOutage(durationMs, endpointId),
    configure: this.configure,
    reset: this.reset,
  };

  // --- the request pipeline ---

  /** Admin API, then public media, then the Rivya API; anything else is a 404. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (path.startsWith('/_simulator/') && (await this.serveAdmin(req, res, path))) return;
    if (path.startsWith('/media/') && req.method === 'GET' && this.serveMedia(res, path)) return;
    const match = matchRoute(req.method, path);
    if (!match) {
      sendError(res, notFound(`No route ${req.method} ${path}.`), newRequestId());
      return;
    }
    await this.serveApi(match, req, res);
  }

  /**
   * One API request: decide its fault, then answer early, drop it, or handle it and deliver the
   * answer as the fault says. Every answered request is counted once, with the status the caller saw.
   */
  private async serveApi({ route, rawParams }: RouteMatch, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { endpoint } = route;
    const requestId = newRequestId();
    const outcome = this.decideFault(endpoint);
    if (outcome.kind === 'reject') return this.sendCountedError(endpoint, res, outcome.error, requestId);
    if (outcome.kind === 'reset-connection') {
      this.store.countRequest(endpoint, 0);
      req.socket.destroy();
      return;
    }
    if (outcome.delayMs > 0) await sleep(outcome.delayMs);

    let answer: Answer;
    try {
      if (this.current.publicApiDisabled) throw publicApiDisabled();
      const caller = route.access === 'public' ? ANONYMOUS : authenticate(req, this.current, route.access.scope);
      if (caller.apiKey && !this.store.admitRate(caller.apiKey, this.now())) {
        throw rateLimited('Rate limit exceeded.', { 'Retry-After': '1' });
      }
      answer = await routeHandlers[endpoint](this.deps, { req, caller, params: rawParams.map(decodeURIComponent) });
    } catch (err) {
      // Drain what the client is still sending so it reads our answer instead of a reset.
      req.resume();
      // Errors always reach the caller: lost and malformed responses are about committed work.
      return this.sendCountedError(endpoint, res, toHttpError(err), requestId);
    }
    this.deliver(outcome.delivery, answer, { endpoint, req, res, requestId });
  }

  private decideFault(endpoint: SimulatedEndpoint): FaultOutcome {
    const decision = this.faults.decide(this.current, endpoint);
    if (decision) this.store.countFault(endpoint, decision.kind);
    return decodeFault(decision, this.now());
  }

  private deliver(
    delivery: Delivery,
    answer: Answer,
    { endpoint, req, res, requestId }: { endpoint: SimulatedEndpoint; req: IncomingMessage; res: ServerResponse; requestId: string },
  ): void {
    switch (delivery) {
      case 'lose-response-after-commit':
        // The work is committed; the caller only sees the connection drop.
        this.store.countRequest(endpoint, 0);
        req.socket.destroy();
        return;
      case 'malformed-json-after-commit':
        this.store.countRequest(endpoint, answer.status);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"id": "task_');
        return;
      case 'send':
        this.store.countRequest(endpoint, answer.status);
        sendJson(res, answer.status, answer.body, { 'X-Request-Id': requestId, ...answer.headers });
        return;
    }
  }

  private sendCountedError(endpoint: SimulatedEndpoint, res: ServerResponse, error: SimulatorHttpError, requestId: string): void {
    this.store.countRequest(endpoint, error.status);
    sendError(res, error, requestId);
  }

  /** True when an admin route answered. */
  private async serveAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    let answer: Answer | undefined;
    try {
      answer = await handleAdmin(this.adminControls, req, path);
    } catch (err) {
      if (!(err instanceof SimulatorHttpError)) throw err;
      // Drain what the client is still sending so it reads our answer instead of a reset.
      req.resume();
      sendError(res, err, newRequestId());
      return true;
    }
    if (answer) sendJson(res, answer.status, answer.body, answer.headers);
    return answer !== undefined;
  }

  /** True when the path was a media path (answered with the file or a 404). */
  private serveMedia(res: ServerResponse, path: string): boolean {
    const media = lookupMedia(this.store, path, this.now());
    if (media.kind === 'not-media') return false;
    if (media.kind === 'missing') {
      sendError(res, notFound('No such media.'), newRequestId());
      return true;
    }
    res.writeHead(200, { 'Content-Type': media.mime, 'Content-Length': statSync(media.path).size });
    createReadStream(media.path).pipe(res);
    return true;
  }

  private async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, resolve);
    });
    this.boundPort = (this.http.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    this.baseUrl = `http://${urlHost}:${this.boundPort}`;
  }

  /** Reset returns here: parsed afresh each time, so scripted faults consumed in a run come back. */
  private initialConfig(): SimulatorConfig {
    return simulatorConfigSchema.parse(structuredClone(this.configInput));
  }

  private now(): number {
    return Date.now();
  }
}
