// The tests fail activities and workflows on purpose (faults, refusals, cancels): at WARN the worker
// logs each one, ~1,000 lines that hide the test report. Quiet by default (errors only);
// RIVYA_TEST_VERBOSE=1 shows the worker's INFO and WARN lines again when a test needs reading.
// The Runtime is per process and jest reuses worker processes across files, so a second install
// is expected to throw.
import { DefaultLogger, Runtime } from '@temporalio/worker';

export const TEST_LOG_LEVEL = process.env.RIVYA_TEST_VERBOSE === '1' ? 'INFO' : 'ERROR';

try {
  Runtime.install({ logger: new DefaultLogger(TEST_LOG_LEVEL) });
} catch {
  // Already installed by an earlier test file in this jest worker.
}
