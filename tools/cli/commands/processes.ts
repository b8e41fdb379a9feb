/** `rivya-sora2 worker` and `rivya-sora2 simulator`: the two long-running processes. */
import type { Command } from 'commander';
import { METRICS_HOST_ENV, METRICS_PORT_ENV } from '../../../src/observability/prometheus';
import { TRACING_ENV } from '../../../src/observability/tracing-settings';
import { runStandaloneSimulator } from '../../../simulator/main';
import { runSora2WorkerProcess } from '../../worker/main';

export function registerProcesses(program: Command): void {
  program
    .command('worker')
    .description('run a production worker: TEMPORAL_* (envconfig) and RIVYA_* from the environment')
    .option(
      '--metrics-port <port>',
      `serve Prometheus metrics on this port (${METRICS_PORT_ENV}; bound to ${METRICS_HOST_ENV}, default 127.0.0.1)`,
    )
    .option('--tracing', `export OpenTelemetry traces over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (${TRACING_ENV}=otlp)`)
    .action(async (options: { metricsPort?: string; tracing?: boolean }) => {
      // The flags go as typed values beside the environment, never written into a copy of it.
      await runSora2WorkerProcess(process.env, { metricsPort: options.metricsPort, tracing: options.tracing });
    });
  program
    .command('simulator')
    .description(
      'run the Rivya API v1 simulator (RIVYA_SIMULATOR_CONFIG takes JSON config); prints the admin token the ' +
        '/_simulator/* routes require, or set RIVYA_SIMULATOR_ADMIN_TOKEN',
    )
    .option('--port <port>', 'port to listen on', process.env.RIVYA_SIMULATOR_PORT ?? '8787')
    .option('--host <host>', 'address to bind', process.env.RIVYA_SIMULATOR_HOST ?? '127.0.0.1')
    .action(async (options: { port: string; host: string }) => {
      await runStandaloneSimulator({ ...process.env, RIVYA_SIMULATOR_PORT: options.port, RIVYA_SIMULATOR_HOST: options.host });
    });
}
