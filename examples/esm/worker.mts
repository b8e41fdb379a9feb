// examples/esm/worker.mts — an ES module worker: no `require.resolve`, so the workflows file is found from import.meta.url.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { DEFAULT_SORA2_TASK_QUEUE, Sora2Plugin } from 'rivya-sora2-temporal';

const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
try {
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE,
    // The compiled workflows module next to this one (.mjs: what Node loads after tsc).
    workflowsPath: fileURLToPath(new URL('./workflows.mjs', import.meta.url)),
    plugins: [new Sora2Plugin()],
  });
  await worker.run();
} finally {
  await connection.close();
}
