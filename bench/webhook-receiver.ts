/**
 * Webhooks for the benchmark: an endpoint registered on the bench simulator (D8, loopback allowed)
 * pointing at the plugin's receiver on 127.0.0.1 (`createRivyaWebhookHandler` from src/webhooks:
 * Standard Webhooks verification, routing by a visibility query on RivyaTaskId, the signal), and
 * per-task delivery faults through the simulator's own `drop` fault.
 *
 * In front of the receiver sits one bench-only filter: every task of the account sends its
 * events to the endpoint, but only the workflows of webhook policies may take them (a policy
 * without webhooks must not complete by one). The filter reads the task id from the body to decide
 * whether to pass it on — a routing choice of the bench, never a trust decision — and hands the
 * exact bytes to the receiver as `req.rawBody`; everything else answers 204 unread by the receiver.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator } from '../simulator/index';
import { createRivyaWebhookHandler, StandardWebhooksVerifier, type WebhookStats, type WebhookVerifier } from '../src/webhooks';

export const RECEIVER_KIND =
  "the plugin's receiver (createRivyaWebhookHandler: Standard Webhooks verification, visibility lookup on RivyaTaskId, signal), behind a bench filter that passes only the webhook policies' events";

export interface BenchWebhooks {
  readonly kind: string;
  /** The receiver's outcomes (signalled, not-yet-visible, …) since the start. */
  stats(): WebhookStats;
  /** Deliveries the bench filter acknowledged without passing them to the receiver. */
  readonly filtered: () => number;
  /** Registers the endpoint on the simulator (again after every reset, which forgets endpoints). */
  register(): Promise<void>;
  /**
   * Which workflows take webhook events (id prefix → share of their deliveries the simulator
   * drops). Events of any other workflow are acknowledged and not signalled: a policy without
   * webhooks must not complete by one.
   */
  routeTo(prefixes: Map<string, number>): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startBenchWebhooks(simulator: RivyaSimulator, client: Client): Promise<BenchWebhooks> {
  // The signing secret exists only once the endpoint is registered (after each simulator reset).
  let verifier: WebhookVerifier | undefined;
  const handler = createRivyaWebhookHandler({
    client,
    verifier: { verify: (request) => verifier?.verify(request) ?? { ok: false, reason: 'bad-signature' } },
    log: false,
  });
  let routes = new Map<string, number>();
  const rateFor = (workflowId: string) => [...routes].find(([prefix]) => workflowId.startsWith(prefix))?.[1];
  let filtered = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const workflowId = body ? simulator.store.tasks.get(taskIdOf(body) ?? '')?.idempotencyKey : undefined;
      if (body && (!workflowId || rateFor(workflowId) === undefined)) {
        filtered += 1;
        res.writeHead(204).end();
        return;
      }
      // Too large for the filter, or a webhook policy's event: the receiver decides.
      await handler(Object.assign(req, { rawBody: body }), res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/rivya`;

  // Per-task drop rates through the simulator's own fault: the rate is set for exactly the
  // terminal transition of a task of a dropping policy (the fault is drawn when the event is published).
  const publish = simulator.store.onTerminal;
  simulator.store.onTerminal = (task) => {
    const rate = rateFor(task.idempotencyKey ?? '');
    if (!rate) return publish?.(task);
    simulator.configure({ webhooks: { faults: { rates: { drop: rate } } } });
    try {
      publish?.(task);
    } finally {
      simulator.configure({ webhooks: { faults: { rates: {} } } });
    }
  };

  return {
    kind: RECEIVER_KIND,
    stats: () => handler.stats(),
    filtered: () => filtered,
    async register() {
      // The webhook delivers over plain http to loopback: allowed only by the simulator's opt-in.
      simulator.configure({ webhooks: { allowLoopbackUrls: true, faults: { rates: {} } } });
      const response = await fetch(`${simulator.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEFAULT_SIMULATOR_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench', url, event_types: ['generation.succeeded', 'generation.failed'] }),
      });
      if (response.status !== 201) throw new Error(`webhook endpoint not registered: HTTP ${response.status} ${await response.text()}`);
      const { signing_secret: secret } = (await response.json()) as { signing_secret: string };
      // Held only by the verifier, never printed or written to the results.
      verifier = new StandardWebhooksVerifier({ secrets: [secret] });
    },
    routeTo(prefixes) {
      routes = prefixes;
    },
    async close() {
      simulator.store.onTerminal = publish;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The task id of an (unverified) envelope, for the bench's filter only. */
function taskIdOf(body: Buffer): string | undefined {
  try {
    const id = (JSON.parse(body.toString('utf8')) as { data?: { id?: unknown } }).data?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
