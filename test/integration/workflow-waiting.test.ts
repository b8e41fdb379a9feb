/**
 * How a generation learns that its task ended, on the real dev server and the simulator: webhook
 * events signalled into the run (deduplicated, stale and foreign ones ignored), the safety-net
 * check when no event comes, and the wait by activity retries (few history events whatever the
 * task's length; pollNow and the deadline still work). The receiver that sends these signals in
 * production is tested end to end in webhook-end-to-end.test.ts.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { toTaskSnapshot } from '../../activities/task-snapshot';
import {
  FailureTypes,
  sora2PollNowSignal,
  sora2StatusQuery,
  sora2WebhookEventSignal,
  type Sora2GenerationInput,
  type TaskSnapshot,
  type WebhookEventSignal,
} from '../../src';
import { eventCount, fetchAllRuns } from '../helpers/histories';
import { clientFor, waitFor } from '../helpers/simulator';
import { generationFailureOf, useTestStack, waitingFarAway } from '../helpers/stack';

// Tasks of ~2 s: long enough to signal into a waiting run, short enough for a test.
const stack = useTestStack({ resetBeforeEach: { timing: { queuedMs: [500, 500], processingMs: { default: [1_500, 1_500] } } } });
const { start, statusReads } = stack;

const webhookInput = (extra: Partial<Sora2GenerationInput> = {}) => waitingFarAway('[sim:succeed] waiting for a webhook', extra);

/** The task as Rivya would put it in an event: read through the real client once it has ended. */
async function endedTask(handle: WorkflowHandle): Promise<TaskSnapshot> {
  const taskId = await waitFor(async () => (await handle.query(sora2StatusQuery)).taskId ?? undefined);
  await waitFor(() => (['succeeded', 'failed'].includes(stack.simulator.store.tasks.get(taskId)!.status) ? true : undefined));
  const before = statusReads();
  const task = toTaskSnapshot(await clientFor(stack.simulator).getGeneration(taskId));
  // That read was the test's, not the workflow's: keep the simulator's count the workflow's own.
  stack.simulator.store.counters.get('getGeneration')!.requests = before;
  return task;
}

const eventOf = (task: TaskSnapshot, eventId = `evt_${task.id}`): WebhookEventSignal => ({
  eventId,
  type: task.status === 'failed' ? 'generation.failed' : 'generation.succeeded',
  createdAt: new Date().toISOString(),
  task,
});

test('a terminal webhook event completes the run with no status check', async () => {
  const handle = await start(webhookInput(), 'by-webhook');
  const task = await endedTask(handle);
  await handle.signal(sora2WebhookEventSignal, eventOf(task));
  const result = await handle.result();
  expect(result).toMatchObject({ taskId: task.id, completedBy: 'webhook', polls: 0, videoUrls: task.videoUrls });
  expect(statusReads()).toBe(0);
  const status = await handle.query(sora2StatusQuery);
  expect(status.completion).toMatchObject({ webhooks: true, style: 'activity-retry', completedBy: 'webhook' });
});

test('duplicates, stale, mismatched and foreign events are ignored; one result', async () => {
  const handle = await start(webhookInput(), 'dedupe');
  const task = await endedTask(handle);
  // Stale: "succeeded" carrying a processing snapshot (an out-of-order delivery).
  await handle.signal(sora2WebhookEventSignal, { ...eventOf(task, 'evt_stale'), task: { ...task, status: 'processing' } });
  // Another task's event (a receiver bug, a hand-sent signal).
  await handle.signal(sora2WebhookEventSignal, eventOf({ ...task, id: 'task_not_ours' }, 'evt_foreign'));
  // The same event three times (at-least-once delivery).
  for (let i = 0; i < 3; i += 1) await handle.signal(sora2WebhookEventSignal, eventOf(task, 'evt_same'));
  const result = await handle.result();
  expect(result.completedBy).toBe('webhook');
  const { webhookEvents } = (await handle.query(sora2StatusQuery)).completion;
  // The first copy of evt_same may end the run before the others are taken: at most 2 duplicates.
  expect(webhookEvents.accepted).toBe(1);
  expect(webhookEvents.ignored).toBe(2);
  expect(webhookEvents.duplicate).toBeLessThanOrEqual(2);
  expect(statusReads()).toBe(0);
});

test('a failed task reported by webhook fails the run with the typed reason and compensation', async () => {
  const handle = await start(webhookInput({ prompt: '[sim:fail] waiting for a webhook' }), 'failed-webhook');
  const task = await endedTask(handle);
  expect(task.status).toBe('failed');
  await handle.signal(sora2WebhookEventSignal, eventOf(task));
  const { failure } = await generationFailureOf(handle);
  expect(failure.type).toBe(FailureTypes.GenerationFailed);
  // The reconcile compensation reads the task once: that is the only status call.
  expect(statusReads()).toBe(1);
});

test('confirmWebhook: the event is confirmed by one status read', async () => {
  const handle = await start(webhookInput({ completion: { webhooks: true, confirmWebhook: true } }), 'confirm');
  const task = await endedTask(handle);
  await handle.signal(sora2WebhookEventSignal, eventOf(task));
  const result = await handle.result();
  expect(result).toMatchObject({ completedBy: 'webhook', polls: 1 });
  expect(statusReads()).toBe(1);
});

test('a lost webhook: the safety-net check completes the run', async () => {
  // Expected 1 s: the safety net checks at 2 s, then every 1 s.
  const handle = await start(webhookInput({ polling: { expectedDurationMs: 1_000, minIntervalMs: 1_000 } }), 'safety-net');
  const result = await handle.result();
  expect(result.completedBy).toBe('poll');
  expect(result.polls).toBeGreaterThanOrEqual(1);
  expect(result.polls).toBe(statusReads());
});

test('the wait by retries: a task many checks long costs a few history events; every check is counted', async () => {
  stack.simulator.reset({ timing: { queuedMs: [500, 500], processingMs: { default: [9_000, 9_000] } } });
  const polling = { expectedDurationMs: 2_000, minIntervalMs: 1_000, maxIntervalMs: 1_000, firstCheckAfterMs: 1_000 };
  const byRetries = await start({ prompt: '[sim:succeed] ten seconds', polling: { ...polling, style: 'activity-retry' } }, 'retries');
  const retriesResult = await byRetries.result();
  const retriesChecks = statusReads();
  expect(retriesResult.completedBy).toBe('poll');
  expect(retriesResult.polls).toBe(retriesChecks);
  expect(retriesChecks).toBeGreaterThanOrEqual(5);

  // The same task waited for with timers: every check adds events.
  stack.simulator.reset({ timing: { queuedMs: [500, 500], processingMs: { default: [9_000, 9_000] } } });
  const byTimers = await start({ prompt: '[sim:succeed] ten seconds', polling: { ...polling, style: 'timer' } }, 'timers');
  await byTimers.result();
  const [retriesRun] = await fetchAllRuns(stack.env.client, byRetries.workflowId);
  const [timersRun] = await fetchAllRuns(stack.env.client, byTimers.workflowId);
  expect(eventCount(retriesRun!)).toBeLessThanOrEqual(30);
  expect(eventCount(timersRun!)).toBeGreaterThan(eventCount(retriesRun!) + 2 * retriesChecks);
});

test('the wait by retries: pollNow checks at once', async () => {
  // The first check (2.5 s after create) finds it processing; the next is a minute away.
  stack.simulator.reset({ timing: { queuedMs: [500, 500], processingMs: { default: [4_000, 4_000] } } });
  const handle = await start(
    { prompt: '[sim:succeed] poll me now', polling: { expectedDurationMs: 600_000, style: 'activity-retry' } },
    'retry-poll-now',
  );
  await endedTask(handle);
  expect(statusReads()).toBe(1);
  await handle.signal(sora2PollNowSignal);
  const result = await handle.result();
  expect(result.completedBy).toBe('poll');
  expect(statusReads()).toBe(2);
});

test('the wait by retries: the deadline ends it in GenerationTimedOut', async () => {
  stack.simulator.reset({ timing: { queuedMs: [30_000, 30_000], processingMs: { default: [30_000, 30_000] } } });
  const handle = await start(
    {
      prompt: '[sim:succeed] too slow',
      polling: { expectedDurationMs: 1_000, minIntervalMs: 1_000, deadlineMs: 5_000, style: 'activity-retry' },
    },
    'retry-deadline',
  );
  const { failure } = await generationFailureOf(handle);
  expect(failure.type).toBe(FailureTypes.GenerationTimedOut);
});
