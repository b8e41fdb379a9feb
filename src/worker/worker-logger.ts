/**
 * The Temporal Runtime's logger, for the worker-side messages of the plugin (a save target that
 * cannot work, where duration expectations came from). Loaded on first use, not at import: the
 * plugin is in the main entry, which a client-only backend loads without `@temporalio/worker`.
 */
import type { Logger } from '@temporalio/common';

export function workerLogger(): Logger {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Runtime } = require('@temporalio/worker') as typeof import('@temporalio/worker');
  return Runtime.instance().logger;
}
