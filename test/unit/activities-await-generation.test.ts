/**
 * rivyaAwaitGeneration by its public behaviour only (the schedule and the learner behind it are
 * tested elsewhere and are being reworked): while the task runs each attempt throws a retryable,
 * BENIGN "not finished yet" ApplicationFailure whose retry is the next check; once the task has
 * ended it returns the snapshot. Run in MockActivityEnvironment against the simulator on loopback.
 */
import { ApplicationFailureCategory, type ApplicationFailure } from '@temporalio/common';
import { createSora2Activities } from '../../activities';
import { TASK_NOT_FINISHED_ERROR_TYPE, type AwaitGenerationInput } from '../../workflows/common/activity-contract';
import { activityContext, activityFailureOf, awaitInputFor, runActivity, useActivitySimulator } from '../helpers/activity-env';
import { waitFor } from '../helpers/simulator';

// Tasks of ~1.5 s: long enough to be seen running, short enough to be seen ended.
const sim = useActivitySimulator({ timing: { queuedMs: [500, 500], processingMs: { default: [1_000, 1_000] } } });

async function startedTask(
  prompt = '[sim:succeed] waiting on it',
): Promise<{ activities: ReturnType<typeof createSora2Activities>; input: AwaitGenerationInput }> {
  const activities = createSora2Activities(sim.client());
  const { task } = await runActivity(activities.rivyaCreateGeneration, [
    { model: 'sora-2', prompt, params: { n_frames: '10' }, idempotencyKey: `wf-${prompt.length}-${Date.now()}` },
  ]);
  return {
    activities,
    input: awaitInputFor(task.id),
  };
}

/** The benign, retryable "not finished yet" whose retry is the next check. */
function expectNotFinishedYet(failure: ApplicationFailure): void {
  expect(failure.type).toBe(TASK_NOT_FINISHED_ERROR_TYPE);
  expect(failure.nonRetryable).toBe(false);
  expect(failure.category).toBe(ApplicationFailureCategory.BENIGN);
  expect(failure.nextRetryDelay).toBeDefined();
}

const statusReads = () => sim.simulator.stats().counters.getGeneration?.requests ?? 0;

test('the first attempt reads nothing: it only schedules the first check', async () => {
  const { activities, input } = await startedTask();
  const failure = await activityFailureOf(runActivity(activities.rivyaAwaitGeneration, [input], activityContext({ attempt: 1 })));
  expectNotFinishedYet(failure);
  expect(failure.details?.[0]).toMatchObject({ checks: 0 });
  expect(statusReads()).toBe(0);
});

test('while the task runs: a retryable "not finished yet" whose details count the checks, one read per attempt', async () => {
  const { activities, input } = await startedTask();
  const failure = await activityFailureOf(runActivity(activities.rivyaAwaitGeneration, [input], activityContext({ attempt: 3 })));
  expectNotFinishedYet(failure);
  // Attempt 3 is the second check (the first attempt only scheduled): what an operator reads says so.
  expect(failure.details?.[0]).toMatchObject({ checks: 2 });
  expect(failure.message).toMatch(/still running after 2 checks/);
  // Temporal's timers are not finer than a second: no retry sooner.
  expect(Number(failure.nextRetryDelay)).toBeGreaterThanOrEqual(1_000);
  expect(statusReads()).toBe(1);
});

test('once the task has ended: the snapshot, and the checks this activity made', async () => {
  const { activities, input } = await startedTask();
  await waitFor(() => (sim.simulator.store.tasks.get(input.taskId)!.status === 'succeeded' ? true : undefined), 10_000, 50);
  const output = await runActivity(activities.rivyaAwaitGeneration, [input], activityContext({ attempt: 2 }));
  expect(output.checks).toBe(1);
  expect(output.task).toMatchObject({ id: input.taskId, status: 'succeeded' });
  expect(output.task.videoUrls.length).toBeGreaterThan(0);
});

test("a failed task ends the wait too: failure is the task's outcome, not the activity's", async () => {
  const { activities, input } = await startedTask('[sim:fail] will not render');
  await waitFor(() => (sim.simulator.store.tasks.get(input.taskId)!.status === 'failed' ? true : undefined), 10_000, 50);
  const output = await runActivity(activities.rivyaAwaitGeneration, [input], activityContext({ attempt: 2 }));
  expect(output.task).toMatchObject({ id: input.taskId, status: 'failed' });
});

test('a status read that Rivya refuses for good is a typed non-retryable failure, not "not finished"', async () => {
  const { activities, input } = await startedTask();
  const failure = await activityFailureOf(
    runActivity(activities.rivyaAwaitGeneration, [{ ...input, taskId: 'task_nobody' }], activityContext({ attempt: 2 })),
  );
  expect(failure.type).toMatch(/^rivya:/);
  expect(failure.nonRetryable).toBe(true);
});
