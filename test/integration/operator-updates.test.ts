/**
 * Operators steer a running generation through validated Updates (extendDeadline, pollNow with
 * the fresh status, setPolling), on the real dev server and the simulator, and through the CLI.
 * A rejected value must write nothing to the history; an accepted one must change what the run
 * does (each case has a control run that behaves otherwise without it).
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  FailureTypes,
  INVALID_OPERATOR_UPDATE,
  sora2ExtendDeadlineUpdate,
  sora2PollNowUpdate,
  sora2SetPollingUpdate,
  sora2StatusQuery,
  type Sora2GenerationInput,
} from '../../src';
import { cleanEnv, runCli } from '../helpers/cli-process';
import { eventCount, fetchAllRuns } from '../helpers/histories';
import { waitFor } from '../helpers/simulator';
import { generationFailureOf, useTestStack, waitingFarAway } from '../helpers/stack';

const stack = useTestStack({ resetBeforeEach: { timing: { queuedMs: [300, 300], processingMs: { default: [1_500, 1_500] } } } });
const { start, statusReads } = stack;

/** Without an operator, nothing ends this wait in a test's time. */
const watched = () => waitingFarAway('[sim:succeed] an operator is watching');

async function untilWaiting(handle: WorkflowHandle): Promise<string> {
  return waitFor(async () => {
    const status = await handle.query(sora2StatusQuery);
    return status.phase === 'polling' && status.taskId ? status.taskId : undefined;
  });
}

async function historyLength(handle: WorkflowHandle): Promise<number> {
  const runs = await fetchAllRuns(stack.env.client, handle.workflowId);
  return runs.reduce((total, run) => total + eventCount(run), 0);
}

/** The Update's rejection, as the validator typed it. */
async function rejection(update: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await update.then(
    () => {
      throw new Error('the Update was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(INVALID_OPERATOR_UPDATE);
  return cause as ApplicationFailure;
}

test('pollNow checks at once and answers with the status that check produced', async () => {
  const handle = await start(watched(), 'poll-now');
  const taskId = await untilWaiting(handle);
  await waitFor(() => (stack.simulator.store.tasks.get(taskId)!.status === 'succeeded' ? true : undefined));
  expect(statusReads()).toBe(0);
  const status = await handle.executeUpdate(sora2PollNowUpdate);
  expect(status).toMatchObject({ taskId, remoteStatus: 'succeeded', polls: 1 });
  expect(statusReads()).toBe(1);
  const result = await handle.result();
  expect(result).toMatchObject({ taskId, completedBy: 'poll', polls: 1 });
});

test('pollNow while the task runs answers with its progress and the wait goes on; a closed run refuses it', async () => {
  const handle = await start(watched(), 'poll-early');
  const taskId = await untilWaiting(handle);
  const early = await handle.executeUpdate(sora2PollNowUpdate);
  expect(early).toMatchObject({ taskId, phase: 'polling', polls: 1 });
  expect(['queued', 'processing']).toContain(early.remoteStatus);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  await waitFor(() => (stack.simulator.store.tasks.get(taskId)!.status === 'succeeded' ? true : undefined));
  expect(await handle.executeUpdate(sora2PollNowUpdate)).toMatchObject({ remoteStatus: 'succeeded', polls: 2 });
  await handle.result();
  await expect(handle.executeUpdate(sora2PollNowUpdate)).rejects.toThrow(/completed/i);
  expect(statusReads()).toBe(2);
});

test('extendDeadline: bad values are refused by the validator and write no history', async () => {
  const handle = await start(watched(), 'extend-refused');
  await untilWaiting(handle);
  const before = await historyLength(handle);
  const { deadlineAt } = await handle.query(sora2StatusQuery);
  const cases = [
    { byMs: -60_000 },
    { byMs: 0 },
    { byMs: 1.5 },
    { until: new Date(Date.parse(deadlineAt!) - 60_000).toISOString() },
    { until: 'tomorrow' },
    { byMs: 8 * 24 * 60 * 60_000 },
    { byMs: 60_000, until: new Date(Date.now() + 7_200_000).toISOString() },
    { byMs: 60_000, secret: 'typo' } as never,
  ];
  for (const request of cases) await rejection(handle.executeUpdate(sora2ExtendDeadlineUpdate, { args: [request] }));
  const seventhDay = await rejection(
    handle.executeUpdate(sora2ExtendDeadlineUpdate, {
      args: [{ until: new Date(Date.now() + 7 * 24 * 60 * 60_000 + 60_000).toISOString() }],
    }),
  );
  expect(seventhDay.message).toMatch(/at most 7 days after the start/);
  expect(await historyLength(handle)).toBe(before);
  expect((await handle.query(sora2StatusQuery)).deadlineAt).toBe(deadlineAt);
  await handle.cancel();
});

test('extendDeadline saves a generation that would have timed out; the control run times out', async () => {
  // Tasks of ~6 s against a 3 s deadline.
  stack.simulator.reset({ timing: { queuedMs: [500, 500], processingMs: { default: [5_500, 5_500] } } });
  const input: Sora2GenerationInput = {
    prompt: '[sim:succeed] a slow one',
    polling: { deadlineMs: 3_000, expectedDurationMs: 2_000, minIntervalMs: 1_000, maxIntervalMs: 1_000, firstCheckAfterMs: 1_000 },
  };
  const control = await start(input, 'extend-control');
  const extended = await start(input, 'extend-saved');
  await untilWaiting(extended);
  const answer = await extended.executeUpdate(sora2ExtendDeadlineUpdate, { args: [{ byMs: 60_000 }] });
  expect(Date.parse(answer.deadlineAt) - Date.parse(answer.previousDeadlineAt)).toBe(60_000);
  expect((await extended.query(sora2StatusQuery)).deadlineAt).toBe(answer.deadlineAt);
  const [controlOutcome, extendedResult] = await Promise.all([generationFailureOf(control), extended.result()]);
  expect(controlOutcome.failure.type).toBe(FailureTypes.GenerationTimedOut);
  expect(extendedResult.status).toBe('succeeded');
});

test('setPolling: webhooks off brings the dense checks back; the wait far away ends in test time', async () => {
  const handle = await start(watched(), 'set-polling');
  const taskId = await untilWaiting(handle);
  await rejection(handle.executeUpdate(sora2SetPollingUpdate, { args: [{ minIntervalMs: 5_000, maxIntervalMs: 2_000 }] }));
  await rejection(handle.executeUpdate(sora2SetPollingUpdate, { args: [{ minIntervalMs: 10 }] }));
  await rejection(handle.executeUpdate(sora2SetPollingUpdate, { args: [{}] }));
  const effective = await handle.executeUpdate(sora2SetPollingUpdate, {
    args: [{ webhooks: false, minIntervalMs: 1_000, maxIntervalMs: 2_000 }],
  });
  expect(effective).toEqual({ webhooks: false, minIntervalMs: 1_000, maxIntervalMs: 2_000 });
  expect((await handle.query(sora2StatusQuery)).completion.webhooks).toBe(false);
  const result = await handle.result();
  expect(result).toMatchObject({ taskId, completedBy: 'poll' });
  expect(result.polls).toBeGreaterThanOrEqual(1);
});

test('CLI: extend, poll and set-polling on a running generation; refusals exit 2 with the reason', async () => {
  const env = cleanEnv({ TEMPORAL_ADDRESS: stack.env.address });
  const handle = await start(watched(), 'cli-operate');
  const taskId = await untilWaiting(handle);

  const usage = await runCli(['extend', handle.workflowId, '--by', 'soon'], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/--by takes a duration/);

  const refused = await runCli(['extend', handle.workflowId, '--until', '2000-01-01T00:00:00Z'], env);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/refused: .*only move later/);

  const extended = await runCli(['extend', handle.workflowId, '--by', '30m'], env);
  expect(extended.code).toBe(0);
  const answer = JSON.parse(extended.stdout) as { previousDeadlineAt: string; deadlineAt: string };
  expect(Date.parse(answer.deadlineAt) - Date.parse(answer.previousDeadlineAt)).toBe(30 * 60_000);

  const tuned = await runCli(['set-polling', handle.workflowId, '--max', '2m'], env);
  expect(tuned.code).toBe(0);
  expect(JSON.parse(tuned.stdout)).toMatchObject({ maxIntervalMs: 120_000, webhooks: true });

  await waitFor(() => (stack.simulator.store.tasks.get(taskId)!.status === 'succeeded' ? true : undefined));
  const polled = await runCli(['poll', handle.workflowId], env);
  expect(polled.code).toBe(0);
  expect(JSON.parse(polled.stdout)).toMatchObject({ taskId, remoteStatus: 'succeeded' });
  await handle.result();

  const closed = await runCli(['poll', handle.workflowId], env);
  expect(closed.code).toBe(2);
  expect(closed.stderr).toMatch(/COMPLETED: nothing to change/);
  const missing = await runCli(['extend', 'no-such-generation', '--by', '1m'], env);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/no generation with workflow id/);
});
