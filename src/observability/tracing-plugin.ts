/**
 * The Sora2Plugin's `tracing` option as the SDK's own OpenTelemetryPlugin (present in
 * @temporalio/interceptors-opentelemetry since 1.15.0, the tracing peer's floor), loaded only when
 * tracing is switched on: the OpenTelemetry packages are optional peers.
 */
import type { Tracer } from '@opentelemetry/api';
import type { OpenTelemetryPlugin, OpenTelemetryPluginOptions } from '@temporalio/interceptors-opentelemetry';
import { requireOptional } from '../internal/optional-module';
import { RIVYA_TRACER_NAME } from './tracer-name';

const FEATURE = 'Sora2Plugin({ tracing })';

/** The OpenTelemetryPlugin of the options, or undefined when tracing is off. */
export function tracingPluginOf(options: object | undefined): OpenTelemetryPlugin | undefined {
  if (!options) return undefined;
  const otel = requireOptional<typeof import('@temporalio/interceptors-opentelemetry')>('@temporalio/interceptors-opentelemetry', FEATURE);
  return new otel.OpenTelemetryPlugin(options as OpenTelemetryPluginOptions);
}

/** The tracer of the Rivya HTTP spans: the plugin's own, else the registered provider's under this library's name. */
export function rivyaTracerOf(plugin: OpenTelemetryPlugin): Tracer {
  if (plugin.otelOptions.tracer) return plugin.otelOptions.tracer;
  return requireOptional<typeof import('@opentelemetry/api')>('@opentelemetry/api', FEATURE).trace.getTracer(RIVYA_TRACER_NAME);
}
