// Worker INFO lines drown test output; warnings and errors still show. The Runtime is per process
// and jest reuses worker processes across files, so a second install is expected to throw.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed by an earlier test file in this jest worker.
}
