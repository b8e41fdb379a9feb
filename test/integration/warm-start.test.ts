/**
 * A fresh worker's warm start, on the real dev server: it reads the durations of recently closed
 * generations through visibility and their results, and its learner then answers "seeded".
 */
import { CompletionLearner } from '../../activities/completion-learner';
import { NativeConnection, Worker } from '@temporalio/worker';
import { executeSora2Generation, Sora2Plugin, sora2StatusQuery } from '../../src';
import { warmStartLearner } from '../../src/worker/warm-start';
import { FAST_POLLING, useTestStack } from '../helpers/stack';
import { TEST_API_KEY, waitFor } from '../helpers/simulator';
import { nextId } from '../helpers/ids';

const stack = useTestStack();
const key = { model: 'sora-2', nFrames: '10' };

test('a fresh learner is seeded from closed runs: their Rivya durations, bounded in count', async () => {
  const results = [];
  for (let i = 0; i < 6; i += 1) {
    results.push(
      await executeSora2Generation(
        stack.env.client,
        { prompt: `[sim:succeed] warm start ${i}`, polling: FAST_POLLING },
        {
          workflowId: nextId('warm'),
          taskQueue: stack.taskQueue,
        },
      ),
    );
  }
  // The expectation in force and its source are in the status query (here the input's: FAST_POLLING).
  const status = await stack.env.client.workflow.getHandle(results[0]!.workflowId).query(sora2StatusQuery);
  expect(status.completion).toMatchObject({
    expectation: 'input',
    expectedDurationMs: FAST_POLLING.expectedDurationMs,
    earliestFinishMs: FAST_POLLING.expectedDurationMs / 2,
  });
  for (const result of results) {
    const task = stack.simulator.store.tasks.get(result.taskId)!;
    // The result carries the task's own clock, not when the workflow noticed.
    expect(result.rivyaDuration).toEqual({
      nFrames: '10',
      createdAt: new Date(task.createdAt).toISOString(),
      updatedAt: new Date(task.updatedAt).toISOString(),
    });
  }

  const fresh = new CompletionLearner();
  expect(fresh.estimate(key)).toBeNull();
  const lines: string[] = [];
  // Visibility lags the close by a moment: wait until every run is listed.
  const outcome = await waitFor(
    async () => {
      const attempt = await warmStartLearner({ client: stack.env.client, taskQueue: stack.taskQueue, learner: new CompletionLearner() });
      return attempt.runsListed >= 6 ? attempt : undefined;
    },
    20_000,
    500,
  );
  expect(outcome).toMatchObject({ runsListed: 6, seeded: 6 });

  await warmStartLearner({ client: stack.env.client, taskQueue: stack.taskQueue, learner: fresh, log: (line) => lines.push(line) });
  const estimate = fresh.estimate(key)!;
  expect(estimate).toMatchObject({ source: 'seeded', samples: 6 });
  const durations = results.map((result) => Date.parse(result.rivyaDuration!.updatedAt) - Date.parse(result.rivyaDuration!.createdAt));
  expect(estimate.earliestMs).toBe(Math.min(...durations));
  expect(lines).toEqual(['duration expectations seeded from 6 closed generations']);

  // Bounded: at most maxRuns runs are read; another task queue's runs are not ours.
  expect(
    await warmStartLearner({ client: stack.env.client, taskQueue: stack.taskQueue, learner: new CompletionLearner(), maxRuns: 2 }),
  ).toMatchObject({ runsListed: 2, seeded: 2 });
  expect(
    await warmStartLearner({ client: stack.env.client, taskQueue: `${stack.taskQueue}-other`, learner: new CompletionLearner() }),
  ).toMatchObject({ runsListed: 0, seeded: 0 });
});

test("Sora2Plugin warms its worker's learner at start; `warmStart: false` leaves it cold", async () => {
  // The first test left six succeeded runs on this task queue.
  // A worker process of its own: its own connection (one connection serves one worker per task queue).
  const connection = await NativeConnection.connect({ address: stack.env.address });
  const start = async (warmStart: boolean) => {
    const plugin = new Sora2Plugin({ apiKey: TEST_API_KEY, baseUrl: stack.simulator.url, wait: { warmStart } });
    const worker = await Worker.create({ connection, taskQueue: stack.taskQueue, plugins: [plugin] });
    return { plugin, worker };
  };
  const warm = await start(true);
  const seeded = await warm.worker.runUntil(waitFor(() => warm.plugin.learner.estimate(key) ?? undefined, 20_000, 100));
  expect(seeded).toMatchObject({ source: 'seeded' });
  expect(seeded.samples).toBeGreaterThanOrEqual(6);

  const cold = await start(false);
  await cold.worker.runUntil(new Promise((resolve) => setTimeout(resolve, 2_000)));
  expect(cold.plugin.learner.estimate(key)).toBeNull();
  await connection.close();
});
