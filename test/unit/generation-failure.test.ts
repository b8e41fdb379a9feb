/** generationFailureOf: the one unwrapping of WorkflowFailedError → ApplicationFailure → details[0]. */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState, TerminatedFailure } from '@temporalio/common';
import { FailureTypes, generationFailureOf, type GenerationFailureDetails } from '../../src';

const details: GenerationFailureDetails = {
  reason: 'cancelled',
  workflowId: 'video-42',
  phase: 'cancelled',
  taskId: 'task_1',
  remoteError: null,
  credits: null,
  compensations: [],
  polls: 2,
};
const failed = (cause: Error | undefined) => new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE);

test("a typed failure: the FailureTypes value, the message and the run's details", () => {
  const cause = ApplicationFailure.create({
    type: FailureTypes.GenerationCancelled,
    message: 'cancelled',
    nonRetryable: true,
    details: [details],
  });
  expect(generationFailureOf(failed(cause))).toEqual({ type: FailureTypes.GenerationCancelled, message: 'cancelled', details });
});

test('a run ended from outside (terminated): the failure name, no details', () => {
  expect(generationFailureOf(failed(new TerminatedFailure('by operator')))).toEqual({
    type: 'TerminatedFailure',
    message: 'by operator',
    details: undefined,
  });
});

test('anything but a failed workflow is not a generation failure', () => {
  expect(generationFailureOf(new Error('connection refused'))).toBeUndefined();
  expect(generationFailureOf(ApplicationFailure.nonRetryable('not wrapped', FailureTypes.ValidationFailed))).toBeUndefined();
});
