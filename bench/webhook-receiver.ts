/**
 * Webhooks for the benchmark: an endpoint registered on the bench simulator (D8, loopback allowed)
 * pointing at a receiver on 127.0.0.1, and per-task delivery faults through the simulator's own
 * `drop` fault.
 *
 * The receiver here is the bench's stand-in until the plugin's receiver (src/webhooks,
 * `startWebhookReceiver`) is in the tree: it verifies every delivery with the `standardwebhooks`
 * package and the endpoint's signing secret, answers 401 to a bad signature, and signals the owning
 * workflow with the verified task. It routes by the simulator's record of the task (the create's
 * Idempotency-Key is the workflow id) instead of a visibility query on RivyaTaskId, so the lookup
 * latency of the real receiver is not part of what it measures — the report says so.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { toTaskSnapshot } from '../activities/task-snapshot';
import { DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator } from '../src/simulator';
import type { GenerationTask } from '../src/rivya';
import { sora2WebhookEventSignal, type WebhookEventType } from '../workflows/messages';

export const RECEIVER_KIND = 'bench stand-in (standardwebhooks verification; routed by the simulator task record, no visibility lookup)';

export interface WebhookCounts {
  received: number;
  signalled: number;
  refused: number;
  /** Acknowledged without a signal: not a generation event, an unknown task, or a closed workflow. */
  acknowledged: number;
}

export interface BenchWebhooks {
  readonly kind: string;
  readonly counts: WebhookCounts;
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
  let verifier: Webhook | undefined;
  let routes = new Map<string, number>();
  const rateFor = (workflowId: string) => [...routes].find(([prefix]) => workflowId.startsWith(prefix))?.[1];
  const counts: WebhookCounts = { received: 0, signalled: 0, refused: 0, acknowledged: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      counts.received += 1;
      const body = await readBody(req);
      if (!body || !verifier) {
        counts.refused += 1;
        res.writeHead(body ? 503 : 413).end();
        return;
      }
      let envelope: { id: string; type: string; created_at: string; data: GenerationTask };
      try {
        envelope = verifier.verify(body.toString('utf8'), {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        }) as typeof envelope;
      } catch {
        counts.refused += 1;
        res.writeHead(401).end();
        return;
      }
      const workflowId =
        envelope.type === 'generation.succeeded' || envelope.type === 'generation.failed'
          ? simulator.store.tasks.get(envelope.data.id)?.idempotencyKey
          : undefined;
      if (!workflowId || rateFor(workflowId) === undefined) {
        counts.acknowledged += 1;
        res.writeHead(204).end();
        return;
      }
      try {
        await client.workflow.getHandle(workflowId).signal(sora2WebhookEventSignal, {
          eventId: envelope.id,
          type: envelope.type as WebhookEventType,
          createdAt: envelope.created_at,
          task: toTaskSnapshot(envelope.data),
        });
        counts.signalled += 1;
        res.writeHead(204).end();
      } catch (err) {
        // A closed workflow is acknowledged (Rivya stops redelivering); anything else asks for a redelivery.
        const closed = err instanceof Error && /not found|already completed|closed/i.test(err.message);
        if (closed) counts.acknowledged += 1;
        else counts.refused += 1;
        res.writeHead(closed ? 204 : 503).end();
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rivya/webhooks`;

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
    counts,
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
      // Held only here, never printed or written to the results.
      verifier = new Webhook(secret);
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
