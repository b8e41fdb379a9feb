/**
 * The one way tests get Temporal: the real CLI dev server, started through the SDK's
 * `TestWorkflowEnvironment.createLocal`, with this project's search attributes registered.
 */
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { locateTemporalCli, TemporalCliNotFoundError } from '../../src/temporal-cli';
import { RIVYA_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

export interface TestTemporalOptions {
  /** Persist to this SQLite file so a restarted server keeps its workflows. */
  dbFilename?: string;
  /** Fixed port, needed to restart a server where its clients expect it. */
  port?: number;
  /** Dev-server dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 40 }. */
  dynamicConfig?: Record<string, unknown>;
}

function testExecutable(): EphemeralServerExecutable {
  if (process.env.RIVYA_TEST_TEMPORAL_DOWNLOAD === '1') return { type: 'cached-download' };
  const located = locateTemporalCli();
  if (!located) {
    throw new TemporalCliNotFoundError(
      'tests need the real Temporal CLI: run `npm run temporal:cli` or set TEMPORAL_CLI_PATH',
    );
  }
  return { type: 'existing-path', path: located.path };
}

export async function startTestTemporal(options: TestTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  const extraArgs = Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: testExecutable(),
      searchAttributes: [...RIVYA_SEARCH_ATTRIBUTES],
      dbFilename: options.dbFilename,
      port: options.port,
      extraArgs,
    },
  });
}
