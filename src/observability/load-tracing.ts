/**
 * The OTLP tracing module, loaded when tracing is switched on (`--tracing`, RIVYA_TRACING=otlp): its
 * OpenTelemetry packages are optional peers, named here when missing.
 */
import { assertPeersInstalled } from '../internal/optional-module';

export const TRACING_PEERS = [
  '@temporalio/interceptors-opentelemetry',
  '@opentelemetry/api',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/core',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace-base',
];

export function loadTracing(feature: string): typeof import('./tracing') {
  assertPeersInstalled(TRACING_PEERS, feature);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on use, after the peer check
  return require('./tracing') as typeof import('./tracing');
}
