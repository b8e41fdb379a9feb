/**
 * The webhook side of a chaos run: one endpoint registered with the simulator for a receiver on a
 * fixed loopback port, the receiver itself (its own lazy Temporal connection, so it rides out a
 * dev-server restart by answering 503), a restart of that receiver mid-run, and a record of every
 * delivery it answered (from its `onOutcome` hook) and of its counters across restarts.
 */
import {
  startWebhookReceiver,
  type RunningWebhookReceiver,
  type WebhookOutcome,
  type WebhookStats as ReceiverStats,
  type WebhookVerifier,
} from '../../src/webhooks';
import type { RivyaSimulator } from '../../simulator/index';
import type { WebhookDeliveryRecord, WebhookEvent } from '../../simulator/webhooks/endpoints';
import { clientFor } from '../helpers/simulator';
import { freePort } from '../helpers/ports';

export const WEBHOOK_PATH = '/webhooks/rivya';

/** One delivery as the receiver saw it (its onOutcome details), stamped with when and by which instance. */
export interface ReceiverDelivery {
  outcome: WebhookOutcome;
  status: number;
  eventId?: string;
  eventType?: string;
  taskId?: string;
  workflowIds?: string[];
  reason?: string;
  /** Epoch ms the answer was given. */
  at: number;
  /** 0 for the first receiver, 1 after the first restart, … */
  instance: number;
}

/** Everything the webhook invariants and the report read. */
export interface WebhookEvidence {
  endpointUrl: string;
  /** The simulator's ledger: every delivery attempt (extras included) and what it was answered. */
  deliveries: WebhookDeliveryRecord[];
  /** Every event the simulator published (the genuine envelopes). */
  events: WebhookEvent[];
  receiver: {
    /** Per receiver instance (counters start at zero on each start). */
    instances: ReceiverStats[];
    deliveries: ReceiverDelivery[];
    /** When the receiver was down: [closing started, listening again]. */
    downWindows: Array<{ from: number; to: number }>;
  };
  /** The simulator had no delivery running or scheduled when the evidence was taken. */
  settled: boolean;
}

export function emptyWebhookEvidence(): WebhookEvidence {
  return { endpointUrl: '', deliveries: [], events: [], receiver: { instances: [], deliveries: [], downWindows: [] }, settled: true };
}

export interface WebhookRig {
  url: string;
  /** Closes the receiver (in-flight deliveries finish; new ones are refused: status 0 in the ledger). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same secret. */
  start(): Promise<void>;
  running(): boolean;
  /** Waits (at most `maxWaitMs`) until the simulator has no delivery left, then takes the evidence. */
  collect(maxWaitMs: number): Promise<WebhookEvidence>;
  close(): Promise<void>;
}

export interface WebhookRigOptions {
  simulator: RivyaSimulator;
  temporalAddress: string;
  /** Instead of the endpoint's secret: a test-only verifier (e.g. one that accepts everything). */
  verifier?: WebhookVerifier;
}

export async function startWebhookRig({ simulator, temporalAddress, verifier }: WebhookRigOptions): Promise<WebhookRig> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
  const created = await clientFor(simulator).webhooks.create({
    name: 'chaos',
    url,
    event_types: ['generation.succeeded', 'generation.failed'],
  });
  const secret = created.signing_secret;
  const deliveries: ReceiverDelivery[] = [];
  const closedStats: ReceiverStats[] = [];
  const downWindows: Array<{ from: number; to: number }> = [];
  let receiver: RunningWebhookReceiver | undefined;
  let instance = -1;
  let downSince: number | undefined;

  const start = async () => {
    if (receiver) return;
    instance += 1;
    const current = instance;
    receiver = await startWebhookReceiver({
      connection: { address: temporalAddress },
      ...(verifier ? { verifier } : { secrets: [secret] }),
      port,
      path: WEBHOOK_PATH,
      log: false,
      onOutcome: (outcome, details) => deliveries.push({ ...details, outcome, at: Date.now(), instance: current }),
    });
    if (downSince !== undefined) downWindows.push({ from: downSince, to: Date.now() });
    downSince = undefined;
  };
  const stop = async () => {
    if (!receiver) return;
    const closing = receiver;
    receiver = undefined;
    downSince = Date.now();
    await closing.close();
    closedStats.push(closing.stats());
  };
  await start();

  return {
    url,
    start,
    stop,
    running: () => receiver !== undefined,
    async collect(maxWaitMs) {
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        simulator.webhooksIdle().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), maxWaitMs))),
      ]);
      clearTimeout(timer);
      return {
        endpointUrl: url,
        deliveries: simulator.store.webhooks.deliveries.map((d) => ({ ...d })),
        events: simulator.store.webhooks.events.map((e) => structuredClone(e)),
        receiver: {
          instances: [...closedStats, ...(receiver ? [receiver.stats()] : [])],
          deliveries: [...deliveries],
          downWindows: [...downWindows, ...(downSince !== undefined ? [{ from: downSince, to: Number.POSITIVE_INFINITY }] : [])],
        },
        settled,
      };
    },
    close: stop,
  };
}
