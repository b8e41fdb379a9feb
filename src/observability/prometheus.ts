/**
 * The worker process's Prometheus endpoint: Temporal's own Runtime serves it (`GET /metrics`), with
 * the SDK's worker metrics (temporal_*) and this plugin's (rivya_*, see workflows/metric-names.ts)
 * side by side. The Runtime can be installed once per process, before any worker or native
 * connection exists: the process's entry point decides, never a library.
 */
import type { TelemetryOptions } from '@temporalio/worker';
import { DETECTION_LATENCY_BUCKETS_S, RivyaMetrics } from '../../workflows/common/metric-names';
import { parsePort } from '../internal/net/ports';
import { Sora2ConfigError } from '../worker/settings';

export const METRICS_PORT_ENV = 'RIVYA_METRICS_PORT';
export const METRICS_HOST_ENV = 'RIVYA_METRICS_HOST';
/** Loopback by default: metrics name task queues and error codes, not for the whole network unasked. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export class MetricsConfigError extends Sora2ConfigError {
  override readonly name = 'MetricsConfigError';
}

export interface MetricsSettings {
  host: string;
  port: number;
}

/** The metrics endpoint `env` asks for (`port` given wins over RIVYA_METRICS_PORT), or undefined: no endpoint. */
export function metricsSettingsFromEnv(env: Record<string, string | undefined>, port?: string): MetricsSettings | undefined {
  const raw = (port ?? env[METRICS_PORT_ENV] ?? '').trim();
  if (raw === '') return undefined;
  const number = parsePort(raw, 1);
  if (number === undefined)
    throw new MetricsConfigError(`the metrics port (--metrics-port / ${METRICS_PORT_ENV}) must be a port number (1–65535)`);
  const host = (env[METRICS_HOST_ENV] ?? '').trim() || DEFAULT_METRICS_HOST;
  if (/[\s/]/.test(host)) throw new MetricsConfigError(`${METRICS_HOST_ENV} must be an address to bind, e.g. 0.0.0.0`);
  return { host, port: number };
}

/** `host:port`, with brackets around an IPv6 address. */
export function bindAddressOf({ host, port }: MetricsSettings): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The `telemetryOptions` for Runtime.install that serve Prometheus metrics at `settings`. */
export function prometheusTelemetry(settings: MetricsSettings): TelemetryOptions {
  return {
    metrics: {
      prometheus: {
        bindAddress: bindAddressOf(settings),
        histogramBucketOverrides: { [RivyaMetrics.detectionLatency.name]: DETECTION_LATENCY_BUCKETS_S },
      },
    },
  };
}
