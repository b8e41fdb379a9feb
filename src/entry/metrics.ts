/**
 * `rivya-sora2-temporal/metrics`: the Prometheus endpoint of the SDK's runtime with this plugin's
 * metric names and buckets, and the webhook receiver's outcome counter.
 */
export { MetricsConfigError, metricsSettingsFromEnv, prometheusTelemetry, type MetricsSettings } from '../observability/prometheus';
export { webhookOutcomeCounter } from '../observability/webhook-metrics';
export { DETECTION_LATENCY_BUCKETS_S, MetricTags, RivyaMetrics } from '../../workflows/common/metric-names';
