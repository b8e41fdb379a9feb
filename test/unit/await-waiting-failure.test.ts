/**
 * The wait by retries reads as a wait (issue #27, item 3): its benign "not finished yet" failure
 * carries no stack trace for the Temporal UI's "Last Failure" to show, only the wait sentence.
 * The first attempt makes no Rivya call, so no server is needed.
 */
import { ApplicationFailure, defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSora2Activities } from '../../activities';
import type { RivyaClient } from '../../src/rivya';
import { awaitInputFor } from '../helpers/activity-env';
import { TASK_NOT_FINISHED_ERROR_TYPE } from '../../workflows/common/activity-contract';

test('"not finished yet" is sent with an empty stack trace and the wait sentence', async () => {
  const activities = createSora2Activities({} as RivyaClient);
  const input = awaitInputFor('task_1');
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
