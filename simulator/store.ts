/**
 * The simulator's in-memory world: wallets and their ledger, uploaded files, tasks and their
 * lifecycle, idempotency records, and per-endpoint counters that tests assert on.
 */
import { randomBytes } from 'node:crypto';
import { isTerminal, type KnownTaskStatus, type TerminalTaskStatus } from '../src/contract/task-status';
import type { SimulatedEndpoint, SimulatorConfig } from './config';
import { FORCE_FAIL_MARKER, FORCE_SUCCEED_MARKER } from './config';
import { randomBetween, seededRandom, type Random } from './random';
import { WebhookStore } from './webhooks/endpoints';

/** The simulator only ever produces the documented four (D4). */
export type TaskStatus = KnownTaskStatus;

export interface SimTask {
  id: string;
  account: string;
  model: string;
  prompt: string;
  params: Record<string, unknown>;
  status: TaskStatus;
  plannedOutcome: TerminalTaskStatus;
  reservedCredits: number;
  finalCredits: number;
  createdAt: number;
  updatedAt: number;
  processingAt: number;
  terminalAt: number;
  idempotencyKey: string | undefined;
  clientRequestId: string | undefined;
  /** How many times its status was read: the polling cost of this one task. */
  statusReads: number;
  result: { primary_url: string; urls: string[] } | null;
  error: { code: string; message: string } | null;
}

export interface SimFile {
  id: string;
  account: string;
  kind: string;
  name: string | null;
  mimeType: string;
  sizeBytes: number;
  storagePath: string;
  url: string;
  clientRequestId: string | undefined;
  createdAt: number;
  expiresAt: number;
}

export interface LedgerEntry {
  at: number;
  account: string;
  taskId: string;
  kind: 'reserve' | 'refund' | 'capture';
  amount: number;
}

interface IdempotencyRecord {
  bodyHash: string;
  taskId: string;
  createdAt: number;
}

export interface EndpointCounters {
  requests: number;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
}

export interface RequestLogEntry {
  endpoint: string;
  /** HTTP status answered; 0 when the connection was dropped (reset, lost response). */
  status: number;
  at: number;
}

const MAX_REQUEST_LOG = 100_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class SimulatorStore {
  random: Random;
  readonly wallets = new Map<string, number>();
  readonly ledger: LedgerEntry[] = [];
  readonly files = new Map<string, SimFile>();
  readonly tasks = new Map<string, SimTask>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly counters = new Map<SimulatedEndpoint | 'admin', EndpointCounters>();
  /** Every answered request, oldest first (bounded): when each call came and how it was answered. */
  readonly requestLog: RequestLogEntry[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly rateWindows = new Map<string, { second: number; count: number }>();
  /** D8: endpoints, events and the ledger of delivery attempts. */
  readonly webhooks = new WebhookStore();
  /**
   * Called once per task, right after it turned succeeded or failed: webhook events hang off this.
   * The delivery logic stays out of the store; whoever sets the hook owns it.
   */
  onTerminal: ((task: SimTask) => void) | undefined;

  constructor(
    private config: SimulatorConfig,
    private readonly mediaUrlFor: (taskId: string) => string,
  ) {
    this.random = seededRandom(config.seed);
    this.resetWallets();
  }

  /** Seeds the PRNG and wallets again and forgets everything else. */
  reset(config: SimulatorConfig): void {
    this.config = config;
    this.random = seededRandom(config.seed);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ledger.length = 0;
    this.files.clear();
    this.tasks.clear();
    this.idempotency.clear();
    this.counters.clear();
    this.requestLog.length = 0;
    this.rateWindows.clear();
    this.webhooks.reset();
    this.resetWallets();
  }

  reconfigure(config: SimulatorConfig): void {
    this.config = config;
    for (const { account } of config.apiKeys) if (!this.wallets.has(account)) this.wallets.set(account, this.startingCredits(account));
  }

  private startingCredits(account: string): number {
    return this.config.creditsByAccount[account] ?? this.config.initialCredits;
  }

  private resetWallets(): void {
    this.wallets.clear();
    for (const { account } of this.config.apiKeys) this.wallets.set(account, this.startingCredits(account));
  }

  countRequest(endpoint: SimulatedEndpoint | 'admin', status: number): void {
    this.requestLog.push({ endpoint, status, at: Date.now() });
    if (this.requestLog.length > MAX_REQUEST_LOG) this.requestLog.splice(0, this.requestLog.length - MAX_REQUEST_LOG);
    const counters = this.countersFor(endpoint);
    counters.requests += 1;
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
  }

  countFault(endpoint: SimulatedEndpoint, fault: string): void {
    const counters = this.countersFor(endpoint);
    counters.faults[fault] = (counters.faults[fault] ?? 0) + 1;
  }

  private countersFor(endpoint: SimulatedEndpoint | 'admin'): EndpointCounters {
    let counters = this.counters.get(endpoint);
    if (!counters) {
      counters = { requests: 0, byStatus: {}, faults: {} };
      this.counters.set(endpoint, counters);
    }
    return counters;
  }

  /** A genuine per-key limit, independent of injected faults. True when the request may pass. */
  admitRate(apiKey: string, now: number): boolean {
    const limit = this.config.rateLimitPerSecond;
    if (!limit) return true;
    const second = Math.floor(now / 1000);
    const window = this.rateWindows.get(apiKey);
    if (!window || window.second !== second) {
      this.rateWindows.set(apiKey, { second, count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= limit;
  }

  newId(prefix: string): string {
    return `${prefix}_${randomBytes(12).toString('hex')}`;
  }

  balance(account: string): number {
    return this.wallets.get(account) ?? 0;
  }

  addFile(file: SimFile): void {
    this.files.set(file.id, file);
  }

  /** An owned, unexpired file whose URL is exactly `url`. */
  findOwnedFileByUrl(account: string, url: string, now: number): SimFile | undefined {
    for (const file of this.files.values()) {
      if (file.url === url && file.account === account && file.expiresAt > now) return file;
    }
    return undefined;
  }

  idempotencyScope(apiKey: string, key: string): string {
    return `${apiKey}\u0000createGeneration\u0000${key}`;
  }

  lookupIdempotent(scope: string, now: number): IdempotencyRecord | undefined {
    const record = this.idempotency.get(scope);
    if (record && now - record.createdAt > this.config.idempotencyTtlMs) {
      this.idempotency.delete(scope);
      return undefined;
    }
    return record;
  }

  /** Reserves credits, plans the task's lifecycle and schedules its transitions. */
  createTask(input: {
    account: string;
    model: string;
    prompt: string;
    params: Record<string, unknown>;
    credits: number;
    idempotencyScope: string | undefined;
    idempotencyKey: string | undefined;
    bodyHash: string;
    clientRequestId: string | undefined;
    now: number;
  }): SimTask {
    const { timing } = this.config;
    const nFrames = String(input.params.n_frames ?? '10');
    const processingRange = timing.processingMs[nFrames] ?? timing.processingMs.default ?? [1_000, 2_000];
    const queuedMs = randomBetween(this.random, timing.queuedMs) * timing.timeScale;
    const processingMs = randomBetween(this.random, processingRange) * timing.timeScale;
    const draw = this.random();
    let plannedOutcome: SimTask['plannedOutcome'] = draw < this.config.failureRate ? 'failed' : 'succeeded';
    if (input.prompt.includes(FORCE_FAIL_MARKER)) plannedOutcome = 'failed';
    if (input.prompt.includes(FORCE_SUCCEED_MARKER)) plannedOutcome = 'succeeded';

    const task: SimTask = {
      id: this.newId('task'),
      account: input.account,
      model: input.model,
      prompt: input.prompt,
      params: input.params,
      status: 'queued',
      plannedOutcome,
      reservedCredits: input.credits,
      finalCredits: 0,
      createdAt: input.now,
      updatedAt: input.now,
      processingAt: input.now + queuedMs,
      terminalAt: input.now + queuedMs + processingMs,
      idempotencyKey: input.idempotencyKey,
      clientRequestId: input.clientRequestId,
      statusReads: 0,
      result: null,
      error: null,
    };
    this.wallets.set(input.account, this.balance(input.account) - input.credits);
    this.ledger.push({ at: input.now, account: input.account, taskId: task.id, kind: 'reserve', amount: input.credits });
    this.tasks.set(task.id, task);
    if (input.idempotencyScope) {
      this.idempotency.set(input.idempotencyScope, { bodyHash: input.bodyHash, taskId: task.id, createdAt: input.now });
    }
    this.schedule(queuedMs, () => this.transition(task, 'processing', task.processingAt));
    this.schedule(queuedMs + processingMs, () => this.transition(task, plannedOutcome, task.terminalAt));
    return task;
  }

  private schedule(delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private transition(task: SimTask, status: TaskStatus, at: number): void {
    task.status = status;
    task.updatedAt = at;
    // Credits move only when the task ends: the same "finished?" rule the workflow reads (S6).
    if (!isTerminal(status)) return;
    if (status === 'succeeded') {
      // S6: a succeeded task is charged exactly what it reserved.
      task.finalCredits = task.reservedCredits;
      task.result = { primary_url: this.mediaUrlFor(task.id), urls: [this.mediaUrlFor(task.id)] };
      this.ledger.push({ at, account: task.account, taskId: task.id, kind: 'capture', amount: task.reservedCredits });
    } else {
      // S6: a failed task refunds its reservation in full at the moment it turns failed.
      task.finalCredits = 0;
      task.error = { code: 'generation_failed', message: 'The model could not generate this video.' };
      this.wallets.set(task.account, this.balance(task.account) + task.reservedCredits);
      this.ledger.push({ at, account: task.account, taskId: task.id, kind: 'refund', amount: task.reservedCredits });
    }
    this.onTerminal?.(task);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** The public task object (D4). */
export function serializeTask(task: SimTask): Record<string, unknown> {
  return {
    id: task.id,
    object: 'generation',
    status: task.status,
    model: task.model,
    reserved_credits: task.reservedCredits,
    final_credits: task.finalCredits,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
    result: task.result,
    error: task.error,
  };
}

/** The public file object (S5). */
export function serializeFile(file: SimFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    kind: file.kind,
    name: file.name,
    mime_type: file.mimeType,
    size_bytes: file.sizeBytes,
    url: file.url,
    duration_token: null,
    created_at: iso(file.createdAt),
    expires_at: iso(file.expiresAt),
  };
}
