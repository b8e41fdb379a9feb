/**
 * `rivya-sora2 webhooks serve`: the webhook receiver as a long-running process. Signing secrets
 * from RIVYA_WEBHOOK_SECRETS (space-separated during a rotation), the Temporal connection from
 * @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 * profiles) like the worker. Secrets are never printed, not even in a config error.
 *
 * Exit codes, as the other commands: 2 for configuration the caller must fix (no or bad secret,
 * bad port or path), 1 for anything else (e.g. the port is taken).
 */
import type { Command } from 'commander';
import { parsePort } from '../../../src/internal/net/ports';
import type { Client } from '@temporalio/client';
import { lazyClient } from '../connection';
import {
  DEFAULT_WEBHOOK_HOST,
  DEFAULT_WEBHOOK_PATH,
  parseWebhookSecrets,
  startWebhookReceiver,
  WebhookConfigError,
  WEBHOOK_SECRETS_ENV,
} from '../../../src/webhooks';
import { Runtime } from '@temporalio/worker';
import { bindAddressOf, metricsSettingsFromEnv, prometheusTelemetry } from '../../../src/observability/prometheus';
import { webhookOutcomeCounter } from '../../../src/observability/webhook-metrics';
import { printable } from '../printable';
import { untilStopSignal } from '../stop-signal';

export const DEFAULT_WEBHOOK_PORT = 8788;
/** How long the start-up look at Temporal may take before it is reported (the receiver starts anyway). */
const TEMPORAL_PROBE_MS = 5_000;

export interface WebhooksServeOptions {
  port: string;
  host: string;
  path: string;
  /** Serve Prometheus metrics (deliveries by outcome) on this port; else RIVYA_METRICS_PORT, else none. */
  metricsPort?: string;
}

export function registerWebhooksServe(group: Command): void {
  group
    .command('serve')
    .description(
      `run the webhook receiver: verifies signed Rivya deliveries (${WEBHOOK_SECRETS_ENV}) and signals the ` +
        'workflow that owns the task (Temporal from TEMPORAL_* via envconfig). Plain HTTP: put TLS in front.',
    )
    .option('--port <port>', 'port to listen on', process.env.RIVYA_WEBHOOK_PORT ?? String(DEFAULT_WEBHOOK_PORT))
    .option('--host <host>', 'address to bind', process.env.RIVYA_WEBHOOK_HOST ?? DEFAULT_WEBHOOK_HOST)
    .option('--path <path>', 'path deliveries are posted to', process.env.RIVYA_WEBHOOK_PATH ?? DEFAULT_WEBHOOK_PATH)
    .option('--metrics-port <port>', 'serve Prometheus metrics (rivya_webhook_events by outcome) on this port (RIVYA_METRICS_PORT)')
    // A secret or metrics mistake (WebhookConfigError, MetricsConfigError) reaches main: exit 2. Its
    // message names the variable or the secret's position, never a value.
    .action((options: WebhooksServeOptions) => runWebhookReceiverProcess(options));
}

/** Runs until SIGINT/SIGTERM, then stops taking deliveries and lets in-flight ones finish. */
export async function runWebhookReceiverProcess(options: WebhooksServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Everything the caller must fix is checked before a socket or a connection exists.
  const secrets = parseWebhookSecrets(env[WEBHOOK_SECRETS_ENV]);
  const port = parsePort(options.port);
  if (port === undefined) throw new WebhookConfigError('--port must be a port number (0–65535)');
  const metrics = metricsSettingsFromEnv(env, options.metricsPort);
  // The process's Runtime serves the endpoint; installed before anything uses it.
  if (metrics) Runtime.install({ telemetryOptions: prometheusTelemetry(metrics) });
  const onOutcome = metrics ? webhookOutcomeCounter(Runtime.instance().metricMeter) : undefined;

  // Lazy: the receiver serves while Temporal is down (deliveries get 503 and Rivya redelivers).
  const { client, connection, address, namespace } = lazyClient(env);
  let receiver;
  try {
    receiver = await startWebhookReceiver({ client, secrets, port, host: options.host, path: options.path, onOutcome });
  } catch (err) {
    await connection.close();
    throw err;
  }
  console.log(
    `rivya-sora2 webhook receiver on ${printable(receiver.url)} (Temporal ${printable(address)}, namespace ${printable(namespace)}; ` +
      `${secrets.length} signing secret${secrets.length === 1 ? '' : 's'}); GET /healthz for liveness`,
  );
  if (metrics) console.log(`metrics: http://${bindAddressOf(metrics)}/metrics (Prometheus)`);
  void probeTemporal(client, address);

  await untilStopSignal();
  await receiver.close();
  await connection.close();
  const { total, byOutcome } = receiver.stats();
  const counts = Object.entries(byOutcome)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ');
  console.log(
    `rivya-sora2 webhook receiver stopped after ${total} ${total === 1 ? 'delivery' : 'deliveries'}${counts ? ` (${counts})` : ''}`,
  );
}

/** A warning line when Temporal does not answer at start; never a failure (it may be back before the first delivery). */
async function probeTemporal(client: Client, address: string): Promise<void> {
  try {
    await client.withDeadline(Date.now() + TEMPORAL_PROBE_MS, () => client.workflowService.getSystemInfo({}));
  } catch {
    console.warn(
      `warning: Temporal at ${printable(address)} did not answer within ${TEMPORAL_PROBE_MS / 1000} s; ` +
        'deliveries get 503 (Rivya redelivers) until it does — check TEMPORAL_ADDRESS if this persists',
    );
  }
}
