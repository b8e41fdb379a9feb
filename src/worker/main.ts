/**
 * The production worker process: `rivya-sora2 worker` (or `node dist/src/worker/main.js`).
 * Temporal connection from @temporalio/envconfig, Rivya settings from RIVYA_* (validated before
 * connecting). SIGINT/SIGTERM trigger the SDK's graceful shutdown: no new tasks are taken, and
 * in-flight activities get a grace period to finish.
 */
import { displayUrl, readRivyaSettings } from '../worker-settings';
import { printable } from '../cli/printable';
import { createSora2Worker } from './create-worker';

export async function runSora2WorkerProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // RIVYA_* read once, here; the plugin gets the typed settings (key hidden from logs), never `env`.
  const settings = readRivyaSettings(env);
  const { worker, connection, owned } = await createSora2Worker({
    taskQueue: settings.RIVYA_TASK_QUEUE,
    plugin: {
      settings,
      maxTaskQueueActivitiesPerSecond: settings.RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND,
      maxActivitiesPerSecond: settings.RIVYA_MAX_WORKER_CALLS_PER_SECOND,
      referenceUrlPolicy: settings.RIVYA_REFERENCE_URL_ALLOW_PRIVATE === 'true' ? { allowHttp: true, allowPrivateNetworks: true } : undefined,
    },
    worker: {
      shutdownGraceTime: '20s',
      ...(settings.RIVYA_WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: settings.RIVYA_WORKER_MAX_CACHED_WORKFLOWS } : {}),
    },
  });
  const workflowCode = worker.options.workflowBundle ? 'prebuilt workflow bundle' : 'workflows bundled at start';
  const cache = worker.options.maxCachedWorkflows;
  console.log(
    `rivya-sora2 worker polling task queue "${worker.options.taskQueue}" (Rivya API ${displayUrl(settings.RIVYA_BASE_URL)}; ${workflowCode}; up to ${cache} cached workflows)`,
  );
  try {
    await worker.run();
  } finally {
    if (owned) await connection.close();
  }
  console.log('rivya-sora2 worker stopped');
}

if (require.main === module) {
  runSora2WorkerProcess().catch((err: unknown) => {
    console.error(printable(err instanceof Error ? err.message : err));
    process.exit(1);
  });
}
