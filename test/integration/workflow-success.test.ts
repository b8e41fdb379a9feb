/**
 * The generation workflow's happy paths on the real dev server and the simulator: with and
 * without a reference, as a child of a pipeline, and what operators see while it runs.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  executeSora2Generation,
  RIVYA_MODEL,
  RIVYA_TASK_ID,
  RIVYA_TASK_STATUS,
  sora2PollNowSignal,
  sora2StatusQuery,
  startSora2Generation,
  type Sora2GenerationInput,
} from '../../src';
import { assetPath } from '../../src/internal/package-root';
import { contentPipeline } from '../fixtures/pipeline-workflow';
import { FAST_POLLING, useTestStack } from '../helpers/stack';
import { TEST_API_KEY, waitFor } from '../helpers/simulator';
import { nextId } from '../helpers/ids';

const stack = useTestStack();

const input = (extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt: '[sim:succeed] a lighthouse at dawn, slow dolly in',
  polling: FAST_POLLING,
  ...extra,
});

test("happy path without a reference: the result matches the simulator's task", async () => {
  const workflowId = nextId('happy');
  const result = await executeSora2Generation(stack.env.client, input({ params: { aspect_ratio: 'portrait' } }), {
    workflowId,
    taskQueue: stack.taskQueue,
  });
  const stats = stack.simulator.stats();
  const task = stats.tasks.find((candidate) => candidate.id === result.taskId)!;
  expect(task).toBeDefined();
  expect(task).toMatchObject({ status: 'succeeded', idempotencyKey: workflowId, clientRequestId: workflowId });
  expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
  expect(result).toMatchObject({
    workflowId,
    status: 'succeeded',
    model: 'sora-2',
    credits: { reserved: 6, final: 6 },
    reference: null,
  });
  expect(result.videoUrl).toBe(`${stack.simulator.url}/media/videos/${task.id}.mp4`);
  expect(result.polls).toBeGreaterThanOrEqual(1);
  expect(stack.simulator.store.tasks.get(task.id)!.params).toEqual({
    n_frames: '10',
    aspect_ratio: 'portrait',
    remove_watermark: 'false',
    upload_method: 's3',
  });

  const handle = stack.env.client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(RIVYA_TASK_ID)).toBe(task.id);
  expect(description.typedSearchAttributes.get(RIVYA_TASK_STATUS)).toBe('succeeded');
  expect(description.typedSearchAttributes.get(RIVYA_MODEL)).toBe('sora-2');
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).not.toContain(TEST_API_KEY);
});

test('happy path with a local reference: validated, uploaded, then sent as referenceMediaItems', async () => {
  copyFileSync(assetPath('sample-reference.png'), join(stack.referenceDir, 'lighthouse.png'));
  const workflowId = nextId('with-ref');
  const result = await executeSora2Generation(
    stack.env.client,
    input({ model: 'sora-2-pro', params: { size: 'high' }, reference: { path: 'lighthouse.png' } }),
    {
      workflowId,
      taskQueue: stack.taskQueue,
    },
  );
  expect(result.reference).toMatchObject({ mimeType: 'image/png', name: 'lighthouse.png' });
  const file = stack.simulator.store.files.get(result.reference!.fileId)!;
  expect(file.clientRequestId).toBe(workflowId);
  const task = stack.simulator.store.tasks.get(result.taskId)!;
  expect(task.params.referenceMediaItems).toEqual([{ url: file.url, kind: 'image', mimeType: 'image/png', name: 'lighthouse.png' }]);
  expect(task.params.size).toBe('high');
  expect(result.credits).toEqual({ reserved: 75, final: 75 });
});

test('a pipeline embeds the generation as a child workflow', async () => {
  const workflowId = nextId('pipeline');
  const result = await stack.env.client.workflow.execute(contentPipeline, {
    workflowId,
    taskQueue: stack.taskQueue,
    args: ['[sim:succeed] a child generation'],
  });
  expect(result.childWorkflowId).toBe(`${workflowId}/video`);
  expect(stack.simulator.stats().tasksPerIdempotencyKey[result.childWorkflowId]).toBe(1);
  expect(result.videoUrl).toMatch(/\/media\/videos\/task_/);
});

test('operators see live status through the query, and pollNow cuts the wait short', async () => {
  stack.simulator.configure({ timing: { queuedMs: [3_000, 3_000], processingMs: { default: [3_000, 3_000] } } });
  try {
    const workflowId = nextId('status');
    const handle = await startSora2Generation(
      stack.env.client,
      // The timer form: its next check is a time the query can show (the retry form's is the server's).
      input({
        polling: { style: 'timer', firstCheckAfterMs: 200, minIntervalMs: 20_000, maxIntervalMs: 60_000, expectedDurationMs: 600_000 },
      }),
      { workflowId, taskQueue: stack.taskQueue },
    );
    const polling = await waitFor(async () => {
      const status = await handle.query(sora2StatusQuery);
      return status.phase === 'polling' && status.polls >= 1 ? status : undefined;
    });
    expect(polling).toMatchObject({ model: 'sora-2', credits: { reserved: 6, final: 0 } });
    expect(polling.taskId).toMatch(/^task_/);
    expect(Date.parse(polling.nextPollAt!)).toBeGreaterThan(Date.now() + 5_000);
    const description = await handle.describe();
    expect(await description.staticSummary()).toContain('a lighthouse at dawn');

    // The next scheduled check is minutes away; after the task is done, a signal fetches it now.
    await waitFor(() => (stack.simulator.store.tasks.get(polling.taskId!)!.status === 'succeeded' ? true : undefined));
    await handle.signal(sora2PollNowSignal);
    const result = await handle.result();
    expect(result.taskId).toBe(polling.taskId);
  } finally {
    stack.simulator.reset();
  }
});

test('a retried start attaches to the same generation instead of paying again', async () => {
  const workflowId = nextId('retry-start');
  const first = await startSora2Generation(stack.env.client, input(), { workflowId, taskQueue: stack.taskQueue });
  const second = await startSora2Generation(stack.env.client, input(), { workflowId, taskQueue: stack.taskQueue });
  expect((await second.describe()).runId).toBe((await first.describe()).runId);
  const result = await first.result();
  // After it closed, starting the same id again returns the finished generation.
  const third = await startSora2Generation(stack.env.client, input(), { workflowId, taskQueue: stack.taskQueue });
  expect((await third.result()).taskId).toBe(result.taskId);
  expect(stack.simulator.stats().tasksPerIdempotencyKey[workflowId]).toBe(1);
});
