/** The tracer name of this library's spans (a light module: the plugin needs it without loading the OTLP exporter). */
export const RIVYA_TRACER_NAME = 'rivya-sora2-temporal';
