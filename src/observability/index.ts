/** Tracing (OpenTelemetry over OTLP) and metrics (the SDK's meters, served by its Prometheus endpoint). */
export { countCreditsReserved, countStatusCheck } from './activity-metrics';
export {
  bindAddressOf,
  DEFAULT_METRICS_HOST,
  METRICS_HOST_ENV,
  METRICS_PORT_ENV,
  MetricsConfigError,
  metricsSettingsFromEnv,
  prometheusTelemetry,
  type MetricsSettings,
} from './prometheus';
export { createRivyaRequestObserver, errorCodeOf, routeOf, SpanAttributes, type RivyaRequestObserverOptions } from './rivya-http-observer';
export {
  DEFAULT_OTLP_TRACES_URL,
  DEFAULT_SERVICE_NAME,
  RIVYA_TRACER_NAME,
  startTracing,
  tracedClient,
  TRACING_ENV,
  TracingConfigError,
  tracingSettingsFromEnv,
  type RivyaTracing,
  type TracingSettings,
} from './tracing';
export { webhookOutcomeCounter } from './webhook-metrics';
export { DETECTION_LATENCY_BUCKETS_S, MetricTags, RivyaMetrics } from '../../workflows/common/metric-names';
