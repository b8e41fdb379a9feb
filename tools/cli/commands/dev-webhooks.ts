/**
 * Webhooks in the local run: the receiver on loopback, registered with the simulator like a real
 * endpoint would be with Rivya (D8), so `rivya-sora2 dev` completes its generation by a signed
 * delivery end to end. Polling stays on as the safety net.
 *
 * The receiver needs the signing secret, which exists only once the endpoint is registered, which
 * needs the receiver's URL: it starts with a verifier that refuses everything until the secret
 * arrives a moment later (a delivery in that moment gets 401 and is redelivered).
 */
import type { Client } from '@temporalio/client';
import { RivyaClient } from '../../../src/rivya';
import type { RivyaSimulator } from '../../../simulator/index';
import type { WebhookOutcome } from '../../../src/webhooks/outcomes';
import { StandardWebhooksVerifier, startWebhookReceiver, type RunningWebhookReceiver, type WebhookVerifier } from '../../../src/webhooks';

/** The simulator's redelivery delays in the local run: seconds, not S10's hours. */
const DEV_RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export interface DevWebhooks {
  receiver: RunningWebhookReceiver;
  endpointId: string;
}

/** A verifier that refuses until it is given the secrets. */
class PendingSecretVerifier implements WebhookVerifier {
  private inner: WebhookVerifier | undefined;

  use(secrets: readonly string[]): void {
    this.inner = new StandardWebhooksVerifier({ secrets });
  }

  verify(request: Parameters<WebhookVerifier['verify']>[0]): ReturnType<WebhookVerifier['verify']> {
    return this.inner ? this.inner.verify(request) : { ok: false, reason: 'bad-signature' };
  }
}

export async function startDevWebhooks(options: {
  temporal: Client;
  simulator: RivyaSimulator;
  apiKey: string;
  /** Further simulated accounts' keys: each registers the same receiver and adds its own secret. */
  otherApiKeys?: readonly string[];
  log: (line: string) => void;
  /** Told each delivery's outcome (the run's webhook metrics). */
  onOutcome?: (outcome: WebhookOutcome) => void;
}): Promise<DevWebhooks> {
  const { temporal, simulator, apiKey, otherApiKeys = [], log, onOutcome } = options;
  // Rivya accepts only public https URLs; the simulator has an opt-in for a receiver on loopback.
  simulator.configure({ webhooks: { allowLoopbackUrls: true, retryDelaysMs: DEV_RETRY_DELAYS_MS } });
  const verifier = new PendingSecretVerifier();
  const receiver = await startWebhookReceiver({ client: temporal, verifier, log, onOutcome });
  try {
    // Endpoints belong to an account: one per account, all to this receiver, each with its secret.
    const endpoints = [];
    for (const key of [apiKey, ...otherApiKeys]) {
      const rivya = new RivyaClient({ apiKey: key, baseUrl: simulator.url });
      endpoints.push(
        await rivya.webhooks.create({
          name: 'rivya-sora2 dev',
          url: receiver.url,
          event_types: ['generation.succeeded', 'generation.failed'],
        }),
      );
    }
    // Kept in this process only, never printed: the same rule as for a real endpoint's secret.
    verifier.use(endpoints.map((endpoint) => endpoint.signing_secret));
    return { receiver, endpointId: endpoints[0]!.id };
  } catch (err) {
    await receiver.close();
    throw err;
  }
}
