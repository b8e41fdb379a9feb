/**
 * Tracing's settings from the environment (RIVYA_TRACING, the OTEL_* endpoint variables): no
 * OpenTelemetry import, so the CLI and the worker read them without the optional tracing peers.
 */
import { Sora2ConfigError } from '../worker/settings';

/** `otlp` turns tracing on; unset (or `off`) leaves it off. */
export const TRACING_ENV = 'RIVYA_TRACING';
export const DEFAULT_SERVICE_NAME = 'rivya-sora2';
/** OTLP/HTTP's standard default, when neither endpoint variable is set. */
export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

export class TracingConfigError extends Sora2ConfigError {
  override readonly name = 'TracingConfigError';
}

export interface TracingSettings {
  /** Where spans are posted (OTLP/HTTP JSON). */
  url: string;
  serviceName: string;
}

/**
 * The tracing settings of `env`, or undefined when tracing is off. `force` (the `--tracing` flag)
 * turns it on without RIVYA_TRACING. Endpoint as the OTLP spec has it:
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces.
 */
export function tracingSettingsFromEnv(env: Record<string, string | undefined>, force = false): TracingSettings | undefined {
  const mode = (env[TRACING_ENV] ?? '').trim().toLowerCase();
  if (mode !== '' && mode !== 'otlp' && mode !== 'off')
    throw new TracingConfigError(`${TRACING_ENV} must be "otlp" or "off" (got an unknown value)`);
  if (!force && mode !== 'otlp') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : DEFAULT_OTLP_TRACES_URL);
  checkUrl(url);
  return { url, serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME };
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TracingConfigError(
      'the OTLP traces endpoint is not a URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT)',
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TracingConfigError('the OTLP traces endpoint must be http(s):// (OTLP over HTTP)');
}
