/**
 * The Temporal CLI dev server with this project's search attributes registered — one helper for
 * the tests, the `dev` command and the benchmarks.
 */
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { RIVYA_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

export interface DevServerOptions {
  executable: EphemeralServerExecutable;
  ip?: string;
  /** Fixed port (needed to restart a server where its clients expect it); default: a free one. */
  port?: number;
  /** Serve the web UI (on uiPort, default port + 1000). */
  ui?: boolean;
  uiPort?: number;
  /** Persist to this SQLite file, so a restarted server keeps its workflows. */
  dbFilename?: string;
  /** Dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 40 }. */
  dynamicConfig?: Record<string, unknown>;
}

export async function startDevServer(options: DevServerOptions): Promise<TestWorkflowEnvironment> {
  const extraArgs = Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: options.executable,
      ip: options.ip,
      port: options.port,
      ui: options.ui,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      searchAttributes: [...RIVYA_SEARCH_ATTRIBUTES],
      extraArgs,
    },
  });
}
