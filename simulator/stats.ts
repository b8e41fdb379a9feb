/** What tests and benchmarks read back: counters, tasks, idempotency and the credits ledger. */
import { iso, type EndpointCounters, type LedgerEntry, type SimulatorStore } from './store';
import { webhookStats, type WebhookStats } from './webhooks/endpoints';

export interface TaskStats {
  id: string;
  account: string;
  model: string;
  status: string;
  plannedOutcome: 'succeeded' | 'failed';
  idempotencyKey: string | null;
  clientRequestId: string | null;
  reservedCredits: number;
  finalCredits: number;
  refundedCredits: number;
  statusReads: number;
  createdAt: string;
  /** When the task reached (or will reach) its terminal status: detection latency starts here. */
  terminalAt: string;
}

export interface SimulatorStats {
  counters: Record<string, EndpointCounters>;
  tasks: TaskStats[];
  /** How many tasks each Idempotency-Key created: anything above 1 is a double charge. */
  tasksPerIdempotencyKey: Record<string, number>;
  tasksPerClientRequestId: Record<string, number>;
  wallets: Record<string, number>;
  ledger: Array<Omit<LedgerEntry, 'at'> & { at: string }>;
  files: number;
  /** Webhook endpoints, events and delivery attempts by kind, fault and status (D8, S10). */
  webhooks: WebhookStats;
}

export function buildStats(store: SimulatorStore): SimulatorStats {
  const refunds = new Map<string, number>();
  for (const entry of store.ledger) if (entry.kind === 'refund') refunds.set(entry.taskId, (refunds.get(entry.taskId) ?? 0) + entry.amount);
  const tasksPerIdempotencyKey: Record<string, number> = {};
  const tasksPerClientRequestId: Record<string, number> = {};
  const tasks = [...store.tasks.values()].map((task) => {
    if (task.idempotencyKey) tasksPerIdempotencyKey[task.idempotencyKey] = (tasksPerIdempotencyKey[task.idempotencyKey] ?? 0) + 1;
    if (task.clientRequestId) tasksPerClientRequestId[task.clientRequestId] = (tasksPerClientRequestId[task.clientRequestId] ?? 0) + 1;
    return {
      id: task.id,
      account: task.account,
      model: task.model,
      status: task.status,
      plannedOutcome: task.plannedOutcome,
      idempotencyKey: task.idempotencyKey ?? null,
      clientRequestId: task.clientRequestId ?? null,
      reservedCredits: task.reservedCredits,
      finalCredits: task.finalCredits,
      refundedCredits: refunds.get(task.id) ?? 0,
      statusReads: task.statusReads,
      createdAt: iso(task.createdAt),
      terminalAt: iso(task.terminalAt),
    };
  });
  return {
    counters: Object.fromEntries(store.counters),
    tasks,
    tasksPerIdempotencyKey,
    tasksPerClientRequestId,
    wallets: Object.fromEntries(store.wallets),
    ledger: store.ledger.map((entry) => ({ ...entry, at: iso(entry.at) })),
    files: store.files.size,
    webhooks: webhookStats(store.webhooks),
  };
}
