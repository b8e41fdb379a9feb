/**
 * `rivya-sora2-temporal/tracing`: OpenTelemetry tracing over OTLP for a worker or backend of your own
 * (pass `startTracing(...).pluginOptions` as `Sora2Plugin({ tracing })`). Needs the optional peers
 * `@temporalio/interceptors-opentelemetry` and the `@opentelemetry/*` packages listed in package.json.
 */
export {
  startTracing,
  tracedClient,
  TracingConfigError,
  tracingSettingsFromEnv,
  type RivyaTracing,
  type TracingSettings,
} from '../observability/tracing';
export { createRivyaRequestObserver, type RivyaRequestObserverOptions } from '../observability/rivya-http-observer';
