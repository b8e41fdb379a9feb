/**
 * The production worker process: `node dist/src/worker/main.js` (also `rivya-sora2 worker`).
 * SIGINT/SIGTERM trigger the SDK's graceful shutdown: no new tasks, in-flight ones finish.
 */
import { createSora2Worker } from './create-worker';

export async function runSora2WorkerProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const perSecond = (name: string) => (env[name] ? Number(env[name]) : undefined);
  const { worker, connection, owned } = await createSora2Worker({
    taskQueue: env.RIVYA_TASK_QUEUE,
    plugin: {
      maxTaskQueueActivitiesPerSecond: perSecond('RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND'),
      maxActivitiesPerSecond: perSecond('RIVYA_MAX_WORKER_CALLS_PER_SECOND'),
      referenceUrlPolicy: env.RIVYA_REFERENCE_URL_ALLOW_PRIVATE === 'true' ? { allowHttp: true, allowPrivateNetworks: true } : undefined,
    },
  });
  console.log(`rivya-sora2 worker polling task queue "${worker.options.taskQueue}"`);
  try {
    await worker.run();
  } finally {
    if (owned) await connection.close();
  }
  console.log('rivya-sora2 worker stopped');
}

if (require.main === module) {
  runSora2WorkerProcess().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
