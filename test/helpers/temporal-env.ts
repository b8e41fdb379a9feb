/**
 * The one way tests get Temporal: the real CLI dev server, started through the SDK's
 * `TestWorkflowEnvironment.createLocal`, with this project's search attributes registered.
 * No binary means a loud failure, never a skip.
 */
import type { EphemeralServerExecutable, TestWorkflowEnvironment } from '@temporalio/testing';
import { locateTemporalCli, TemporalCliNotFoundError } from '../../tools/temporal-cli';
import { startDevServer, type DevServerOptions } from '../../tools/temporal-cli/dev-server';

export type TestTemporalOptions = Omit<DevServerOptions, 'executable'>;

function testExecutable(): EphemeralServerExecutable {
  if (process.env.RIVYA_TEST_TEMPORAL_DOWNLOAD === '1') return { type: 'cached-download' };
  const located = locateTemporalCli();
  if (!located) {
    throw new TemporalCliNotFoundError('tests need the real Temporal CLI: run `npm run temporal:cli` or set TEMPORAL_CLI_PATH');
  }
  return { type: 'existing-path', path: located.path };
}

export async function startTestTemporal(options: TestTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  return startDevServer({ ...options, executable: testExecutable() });
}
