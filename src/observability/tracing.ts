/**
 * Tracing with OpenTelemetry, exported over OTLP/HTTP (JSON) to the collector the standard OTEL_*
 * variables name. Off unless asked for (`RIVYA_TRACING=otlp`, `--tracing`, or the plugin's
 * `tracing` option): a worker that traces sends a few spans per generation to the collector.
 *
 * One tracer provider per process, registered globally with an AsyncLocalStorage context manager
 * and the W3C propagator: Temporal's interceptors carry the context from the client's start through
 * the workflow to each activity, and the Rivya HTTP spans find the activity's span as their parent.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { OpenTelemetryPlugin, type OpenTelemetryPluginOptions } from '@temporalio/interceptors-opentelemetry';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

export {
  DEFAULT_OTLP_TRACES_URL,
  DEFAULT_SERVICE_NAME,
  TRACING_ENV,
  TracingConfigError,
  tracingSettingsFromEnv,
  type TracingSettings,
} from './tracing-settings';
import type { TracingSettings } from './tracing-settings';
/** The instrumentation scope of the Rivya HTTP spans. */
export { RIVYA_TRACER_NAME } from './tracer-name';
import { RIVYA_TRACER_NAME } from './tracer-name';

export interface RivyaTracing {
  /** For the Sora2Plugin's `tracing` option (or an OpenTelemetryPlugin of your own). */
  pluginOptions: OpenTelemetryPluginOptions;
  /** The tracer of the Rivya HTTP spans. */
  tracer: Tracer;
  url: string;
  /** Sends the spans still buffered, then unregisters the provider (call once, at the end). */
  shutdown(): Promise<void>;
}

/**
 * Starts the process's tracing: a provider exporting in batches to `settings.url`, registered as
 * the global one. `exporter` replaces the OTLP exporter (tests).
 */
export function startTracing(settings: TracingSettings, exporter?: SpanExporter): RivyaTracing {
  const resource = Resource.default().merge(new Resource({ 'service.name': settings.serviceName }));
  const spanProcessor = new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: settings.url }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  let stopped: Promise<void> | undefined;
  return {
    pluginOptions: { resource, spanProcessor },
    tracer: provider.getTracer(RIVYA_TRACER_NAME),
    url: settings.url,
    shutdown: () =>
      (stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      })),
  };
}

/**
 * The same client (connection, namespace, data converter) with OpenTelemetry's client interceptors:
 * a workflow started through it begins its trace at the start call.
 */
export function tracedClient(client: Client, tracing: RivyaTracing): Client {
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.loadedDataConverter,
    plugins: [new OpenTelemetryPlugin(tracing.pluginOptions)],
  });
}
