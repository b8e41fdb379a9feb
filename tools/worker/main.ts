/**
 * The production worker process: `rivya-sora2 worker` (or `node dist/tools/worker/main.js`).
 * Temporal connection from @temporalio/envconfig, Rivya settings from RIVYA_* (validated before
 * connecting). SIGINT/SIGTERM trigger the SDK's graceful shutdown: no new tasks are taken, and
 * in-flight activities get a grace period to finish.
 */
import { Runtime } from '@temporalio/worker';
import { bindAddressOf, metricsSettingsFromEnv, prometheusTelemetry } from '../../src/observability/prometheus';
import { loadTracing } from '../../src/observability/load-tracing';
import { tracingSettingsFromEnv } from '../../src/observability/tracing-settings';
import { codecKeysConfigured, readCodecKeyRing } from '../../src/codec';
import { checkReferenceDirectory } from '../../src/worker/directory-checks';
import { requireRivya, resolveSora2Settings } from '../../src/worker/resolve-settings';
import { displayUrl } from '../../src/worker/shown-settings';
import { checkConfiguredAccounts, checkRivyaAccount, describeAccountCheck } from '../../src/worker/rivya-account-check';
import { RivyaClient } from '../../src/rivya';
import { Sora2ConfigError } from '../../src/worker/settings';
import { printable } from '../cli/printable';
import { createSora2Worker } from '../../src/worker/create-worker';
import { workerDeploymentFromEnv } from '../../src/worker/versioning';

/** The `rivya-sora2 worker` flags: each wins over its variable (RIVYA_METRICS_PORT, RIVYA_TRACING=otlp). */
export interface WorkerProcessFlags {
  metricsPort?: string;
  tracing?: boolean;
}

export async function runSora2WorkerProcess(env: NodeJS.ProcessEnv = process.env, flags: WorkerProcessFlags = {}): Promise<void> {
  // RIVYA_* read once, here; the plugin gets the resolved settings (key hidden from logs), never `env`.
  const settings = resolveSora2Settings({}, env);
  // Misconfiguration fails here, before connecting, instead of looking like an outage later.
  const rivya = requireRivya(settings);
  checkReferenceDirectory(rivya.referenceDirectory);
  const baseUrl = rivya.connection!.RIVYA_BASE_URL;
  // RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE set: every payload is encrypted (keys checked here, before connecting).
  const keyRing = codecKeysConfigured(env) ? readCodecKeyRing(env) : undefined;
  const deployment = workerDeploymentFromEnv(env);
  // RIVYA_METRICS_PORT / RIVYA_TRACING (and OTEL_*) also checked before connecting.
  const metrics = metricsSettingsFromEnv(env, flags.metricsPort);
  const tracingSettings = tracingSettingsFromEnv(env, flags.tracing);
  // The Runtime comes before any connection: it is installed once per process.
  if (metrics) Runtime.install({ telemetryOptions: prometheusTelemetry(metrics) });
  const tracing = tracingSettings ? loadTracing('RIVYA_TRACING=otlp').startTracing(tracingSettings) : undefined;
  // The key and the base URL, checked before the worker connects: told at start, not minutes later.
  // One GET of at most 5 s; a refused key stops here (exit 2) instead of polling for work that cannot succeed.
  const account = describeAccountCheck(
    await checkRivyaAccount(new RivyaClient({ apiKey: rivya.connection!.RIVYA_API_KEY, baseUrl })),
    baseUrl,
  );
  if (account.level === 'error') {
    await tracing?.shutdown().catch(() => undefined);
    throw new RivyaKeyRefusedError(account.message);
  }
  // Every configured account (accounts / RIVYA_ACCOUNTS) the same way; a refused one is said, not fatal.
  const namedAccounts = await checkConfiguredAccounts(rivya.accounts, (connection) => new RivyaClient(connection));
  const { worker, connection, owned, workflowThreadHeapMb } = await createSora2Worker({
    // Task queue, rate limits, cache size, sticky timeout and URL policy come with the settings.
    plugin: {
      settings,
      ...(keyRing ? { encryption: { keys: keyRing } } : {}),
      ...(tracing ? { tracing: tracing.pluginOptions } : {}),
    },
    worker: {
      shutdownGraceTime: '20s',
      ...(deployment ? { workerDeploymentOptions: deployment } : {}),
    },
  });
  for (const line of [account, ...namedAccounts]) {
    if (line.level === 'warn') console.warn(`warning: ${line.message}`);
    else console.log(line.message);
  }
  if (keyRing) console.log(`payload encryption: AES-256-GCM with key ${keyRing.encryptingKeyId} (decrypts ${keyRing.keyIds.join(', ')})`);
  if (metrics) console.log(`metrics: http://${bindAddressOf(metrics)}/metrics (Prometheus)`);
  if (tracing) console.log(`tracing: spans to ${displayUrl(tracing.url)} (OTLP/HTTP)`);
  const workflowCode = worker.options.workflowBundle ? 'prebuilt workflow bundle' : 'workflows bundled at start';
  const cache = worker.options.maxCachedWorkflows;
  const heap = workflowThreadHeapMb !== undefined ? `, workflow threads' heap ≤ ${workflowThreadHeapMb} MB` : '';
  const version = deployment
    ? `; deployment ${deployment.version.deploymentName} build ${deployment.version.buildId}, ${deployment.defaultVersioningBehavior}`
    : '';
  console.log(
    `rivya-sora2 worker polling task queue "${worker.options.taskQueue}" (Rivya API ${displayUrl(baseUrl)}; ${workflowCode}; up to ${cache} cached workflows${heap}${version})`,
  );
  try {
    await worker.run();
  } finally {
    if (owned) await connection.close();
    // The last spans are still in the batch: send them before the process ends.
    await tracing?.shutdown().catch(() => undefined);
  }
  console.log('rivya-sora2 worker stopped');
}

if (require.main === module) {
  runSora2WorkerProcess().catch((err: unknown) => {
    console.error(printable(err instanceof Error ? err.message : err));
    // As `rivya-sora2 worker` says it: a configuration mistake is 2, anything else 1.
    process.exit(err instanceof Sora2ConfigError ? 2 : 1);
  });
}

/** Rivya refused the worker's key at start: a configuration error (exit 2), the key never shown. */
export class RivyaKeyRefusedError extends Sora2ConfigError {
  override readonly name = 'RivyaKeyRefusedError';
}
