// A user's worker (test/install): the app's own @temporalio/worker with Sora2Plugin from the packed
// tarball, its own workflows module and its own compensation activity. One JSON line per event on
// stdout. Environment: TEMPORAL_ADDRESS, TASK_QUEUE, RIVYA_API_KEY, RIVYA_BASE_URL.
'use strict';
const { dirname } = require('node:path');
const { NativeConnection, Worker } = require('@temporalio/worker');
const { Sora2Plugin } = require('rivya-sora2-temporal');

const emit = (event) => console.log(JSON.stringify(event));
const versionOf = (name, from) => require(require.resolve(`${name}/package.json`, from ? { paths: [from] } : undefined)).version;

/** The pipeline's own undo step, named by the client's `compensations`. */
async function releaseQuota(context, quotaId) {
  emit({ event: 'compensation', activity: 'releaseQuota', workflowId: context.workflowId, reason: context.reason, quotaId });
}

async function main() {
  const packageDir = dirname(require.resolve('rivya-sora2-temporal/package.json'));
  emit({
    event: 'starting',
    node: process.version,
    sdk: versionOf('@temporalio/worker'),
    // Which @temporalio/workflow the app resolves, and which one the package's own code resolves.
    appWorkflow: versionOf('@temporalio/workflow'),
    packageWorkflow: versionOf('@temporalio/workflow', packageDir),
  });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  let worker;
  try {
    worker = await Worker.create({
      connection,
      taskQueue: process.env.TASK_QUEUE,
      workflowsPath: require.resolve('./workflows'),
      activities: { releaseQuota },
      plugins: [new Sora2Plugin()],
    });
  } catch (err) {
    emit({ event: 'create-failed', name: err && err.name, message: String((err && err.message) || err) });
    await connection.close();
    process.exitCode = 3;
    return;
  }
  emit({ event: 'ready', taskQueue: worker.options.taskQueue });
  try {
    await worker.run(); // until SIGTERM
  } finally {
    await connection.close();
  }
  emit({ event: 'stopped' });
}

main().catch((err) => {
  emit({ event: 'error', name: err && err.name, message: String((err && err.stack) || err) });
  process.exit(1);
});
