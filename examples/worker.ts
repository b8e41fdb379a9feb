// examples/worker.ts — TEMPORAL_ADDRESS; RIVYA_API_KEY (and optionally RIVYA_BASE_URL, RIVYA_REFERENCE_DIR) are read by the plugin.
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_SORA2_TASK_QUEUE, Sora2Plugin } from 'rivya-sora2-temporal';
import { releaseQuota } from './activities';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  try {
    const worker = await Worker.create({
      connection,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE,
      workflowsPath: require.resolve('./workflows'),
      activities: { releaseQuota }, // the compensations your backend names
      plugins: [new Sora2Plugin({ maxTaskQueueActivitiesPerSecond: 20 })],
    });
    console.log(`worker: polling task queue ${worker.options.taskQueue} (Ctrl-C stops it)`);
    await worker.run(); // until SIGINT/SIGTERM, then drains
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
