/**
 * The bench's worker process: the packaged worker's setup (createSora2Worker, RIVYA_* settings,
 * the prebuilt workflow bundle) plus the one setting the packaged entry cannot take from the
 * environment: `wait.priorScale`, the time scale of the run, so the built-in expected durations
 * are compressed like the simulator's task durations (RIVYA_BENCH_PRIOR_SCALE, default 1).
 * Each distribution gets a fresh process: a fresh learner, nothing learned from another distribution
 * — so the warm start (seeding from closed runs, which here are other distributions' runs on the same
 * task queue) is off unless RIVYA_BENCH_WARM_START=1.
 */
import { readRivyaSettings } from '../src/worker/settings';
import { createSora2Worker } from '../src/worker/create-worker';

async function main(): Promise<void> {
  const settings = readRivyaSettings(process.env);
  const priorScale = Number(process.env.RIVYA_BENCH_PRIOR_SCALE ?? '1');
  if (!(priorScale > 0)) throw new Error(`RIVYA_BENCH_PRIOR_SCALE must be a positive number, got ${process.env.RIVYA_BENCH_PRIOR_SCALE}`);
  const { worker, connection, owned } = await createSora2Worker({
    taskQueue: settings.RIVYA_TASK_QUEUE,
    plugin: { settings, wait: { priorScale, warmStart: process.env.RIVYA_BENCH_WARM_START === '1' } },
    worker: {
      shutdownGraceTime: '5s',
      ...(settings.RIVYA_WORKER_MAX_CACHED_WORKFLOWS !== undefined
        ? { maxCachedWorkflows: settings.RIVYA_WORKER_MAX_CACHED_WORKFLOWS }
        : {}),
    },
  });
  console.log(
    `bench worker polling task queue "${worker.options.taskQueue}" (prior scale ${priorScale}; up to ${worker.options.maxCachedWorkflows} cached workflows)`,
  );
  try {
    await worker.run();
  } finally {
    if (owned) await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
