/**
 * The wait by retries reads as a wait (issue #27, item 3): its benign "not finished yet" failure
 * carries no stack trace for the Temporal UI's "Last Failure" to show, only the wait sentence.
 * The first attempt makes no Rivya call, so no server is needed.
 */
import { ApplicationFailure, defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSora2Activities } from '../../activities';
import type { RivyaClient } from '../../src/rivya';
import { TASK_NOT_FINISHED_ERROR_TYPE, type AwaitGenerationInput } from '../../workflows/common/activity-contract';

test('"not finished yet" is sent with an empty stack trace and the wait sentence', async () => {
  const activities = createSora2Activities({} as RivyaClient);
  const now = Date.now();
  const input: AwaitGenerationInput = {
    taskId: 'task_1',
    model: 'sora-2',
    nFrames: '10',
    taskCreatedAtMs: now,
    checksSoFar: 0,
    polling: { firstCheckAfterMs: 1_000, minIntervalMs: 1_000, maxIntervalMs: 5_000, jitterFraction: 0 },
    webhooks: false,
    deadlineAtMs: now + 3_600_000,
    jitterKey: 'task_1',
  };
  const err = await new MockActivityEnvironment({ attempt: 1 }).run(activities.rivyaAwaitGeneration, input).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe(TASK_NOT_FINISHED_ERROR_TYPE);
  const failure = defaultFailureConverter.errorToFailure(err, defaultPayloadConverter);
  expect(failure.stackTrace).toBe('');
  expect(failure.message).toMatch(/^waiting for the task: /);
});
