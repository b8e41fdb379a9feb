/**
 * `rivya-sora2-temporal/tracing`: OpenTelemetry tracing over OTLP for a worker or backend of your own
 * (pass `startTracing(...).pluginOptions` as `Sora2Plugin({ tracing })`). Needs the optional peers
 * `@temporalio/interceptors-opentelemetry` and the `@opentelemetry/*` packages listed in package.json.
 */
import { assertPeersInstalled } from '../internal/optional-module';
import { TRACING_PEERS } from '../observability/load-tracing';

// Before the re-exports below load them: a missing peer is named, not a MODULE_NOT_FOUND from inside.
assertPeersInstalled(TRACING_PEERS, "import from 'rivya-sora2-temporal/tracing'");

export {
  startTracing,
  tracedClient,
  TracingConfigError,
  tracingSettingsFromEnv,
  type RivyaTracing,
  type TracingSettings,
} from '../observability/tracing';
export { createRivyaRequestObserver, type RivyaRequestObserverOptions } from '../observability/rivya-http-observer';
