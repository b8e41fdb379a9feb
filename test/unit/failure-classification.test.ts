/** Which typed outcome each way a run can fail ends in, checked on real SDK failure objects (no server). */
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import type { TaskSnapshot } from '../../workflows/common/activity-contract';
import {
  classifyActivityFailure,
  classifyCancellation,
  classifyDeadline,
  classifyTaskFailure,
  describeError,
  endStateOf,
  isTransientActivityFailure,
  statusBeforeTaskOf,
} from '../../workflows/generation/failure-classification';
import { FailureTypes, REFERENCE_DOWNLOAD_FAILED, REFERENCE_REJECTED } from '../../workflows/common/failures';

/** An activity failure as the workflow receives it: ActivityFailure wrapping the activity's error. */
const activityFailure = (cause: Error | undefined, retryState: RetryState = RetryState.NON_RETRYABLE_FAILURE) =>
  new ActivityFailure('Activity task failed', 'rivyaCreateGeneration', '1', retryState, 'worker@host', cause);

const task = (over: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  id: 'task_1',
  status: 'processing',
  reservedCredits: 30,
  finalCredits: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:10.000Z',
  videoUrls: [],
  error: null,
  ...over,
});

describe('classifyActivityFailure', () => {
  test('a rejected reference is a ValidationFailed, reason reference-rejected', () => {
    const failure = classifyActivityFailure(activityFailure(ApplicationFailure.nonRetryable('not a PNG or JPEG', REFERENCE_REJECTED)));
    expect(failure).toEqual({
      reason: 'reference-rejected',
      type: FailureTypes.ValidationFailed,
      message: 'reference rejected: not a PNG or JPEG',
      remoteError: { code: REFERENCE_REJECTED, message: 'not a PNG or JPEG' },
    });
  });

  test('a reference host that kept failing is a ValidationFailed too', () => {
    const failure = classifyActivityFailure(
      activityFailure(ApplicationFailure.retryable('HTTP 503 from the reference host', REFERENCE_DOWNLOAD_FAILED), RetryState.TIMEOUT),
    );
    expect(failure.reason).toBe('reference-rejected');
    expect(failure.type).toBe(FailureTypes.ValidationFailed);
    expect(failure.remoteError).toEqual({ code: REFERENCE_DOWNLOAD_FAILED, message: 'HTTP 503 from the reference host' });
  });

  test("Rivya's non-retryable validation_failed is a ValidationFailed", () => {
    const failure = classifyActivityFailure(
      activityFailure(ApplicationFailure.nonRetryable('n_frames must be 10 or 15', 'rivya:validation_failed')),
    );
    expect(failure).toEqual({
      reason: 'rejected',
      type: FailureTypes.ValidationFailed,
      message: 'Rivya refused the request: n_frames must be 10 or 15',
      remoteError: { code: 'validation_failed', message: 'n_frames must be 10 or 15' },
    });
  });

  test('any other non-retryable Rivya code is a GenerationRejected', () => {
    const failure = classifyActivityFailure(
      activityFailure(ApplicationFailure.nonRetryable('not enough credits', 'rivya:insufficient_credits')),
    );
    expect(failure).toEqual({
      reason: 'rejected',
      type: FailureTypes.GenerationRejected,
      message: 'Rivya refused the request: not enough credits',
      remoteError: { code: 'insufficient_credits', message: 'not enough credits' },
    });
  });

  test('a retryable Rivya error whose retries ran out is RivyaUnavailable, code kept as the type', () => {
    const failure = classifyActivityFailure(
      activityFailure(ApplicationFailure.retryable('HTTP 503', 'rivya:server_error'), RetryState.TIMEOUT),
    );
    expect(failure).toEqual({
      reason: 'rejected',
      type: FailureTypes.RivyaUnavailable,
      message: 'Rivya unavailable: HTTP 503',
      remoteError: { code: 'rivya:server_error', message: 'HTTP 503' },
    });
  });

  test('an exhausted activity without an application cause is RivyaUnavailable with code "unavailable"', () => {
    const failure = classifyActivityFailure(activityFailure(new Error('socket hang up'), RetryState.MAXIMUM_ATTEMPTS_REACHED));
    expect(failure).toEqual({
      reason: 'rejected',
      type: FailureTypes.RivyaUnavailable,
      message: 'Rivya unavailable: socket hang up',
      remoteError: { code: 'unavailable', message: 'socket hang up' },
    });
  });
});

describe("the run's own outcomes", () => {
  test("a failed task carries Rivya's error", () => {
    const error = { code: 'generation_failed', message: 'content policy' };
    expect(classifyTaskFailure(task({ status: 'failed', error }))).toEqual({
      reason: 'failed',
      type: FailureTypes.GenerationFailed,
      message: 'the generation task task_1 failed: content policy',
      remoteError: error,
    });
  });

  test('a failed task without an error from Rivya names the task only', () => {
    expect(classifyTaskFailure(task({ status: 'failed', error: null })).message).toBe('the generation task task_1 failed');
  });

  test('a cancel says whether a remote task keeps running', () => {
    expect(classifyCancellation(null)).toEqual({
      reason: 'cancelled',
      type: FailureTypes.GenerationCancelled,
      message: 'cancelled before a generation task was created',
      remoteError: null,
    });
    expect(classifyCancellation(task()).message).toBe(
      'cancelled; Rivya has no cancel endpoint, so task task_1 keeps running (last status processing)',
    );
  });

  test('a passed deadline names the deadline', () => {
    expect(classifyDeadline(60_000)).toEqual({
      reason: 'timed-out',
      type: FailureTypes.GenerationTimedOut,
      message: 'no result within 60000 ms',
      remoteError: null,
    });
  });

  test('the end state: cancel and timeout leave a workflow_* status for operators, others do not', () => {
    expect(endStateOf('cancelled')).toEqual({ phase: 'cancelled', searchStatus: 'workflow_cancelled' });
    expect(endStateOf('timed-out')).toEqual({ phase: 'timed-out', searchStatus: 'workflow_timed_out' });
    for (const reason of ['failed', 'rejected', 'reference-rejected'] as const)
      expect(endStateOf(reason)).toEqual({ phase: 'failed', searchStatus: null });
  });

  test('a run that ends before a task exists still gets a RivyaTaskStatus', () => {
    expect(statusBeforeTaskOf('invalid-input', FailureTypes.ValidationFailed)).toBe('invalid_input');
    expect(statusBeforeTaskOf('reference-rejected', FailureTypes.ValidationFailed)).toBe('reference_rejected');
    expect(statusBeforeTaskOf('rejected', FailureTypes.GenerationRejected)).toBe('rejected');
    expect(statusBeforeTaskOf('rejected', FailureTypes.ValidationFailed)).toBe('rejected');
    expect(statusBeforeTaskOf('rejected', FailureTypes.RivyaUnavailable)).toBe('rivya_unavailable');
    // Cancel and deadline have their own statuses (endStateOf).
    expect(statusBeforeTaskOf('cancelled', FailureTypes.GenerationCancelled)).toBeNull();
    expect(statusBeforeTaskOf('timed-out', FailureTypes.GenerationTimedOut)).toBeNull();
  });
});

describe('a status check that failed', () => {
  test('is transient only when the activity error was retryable', () => {
    expect(
      isTransientActivityFailure(activityFailure(ApplicationFailure.retryable('HTTP 503', 'rivya:server_error'), RetryState.TIMEOUT)),
    ).toBe(true);
    expect(isTransientActivityFailure(activityFailure(ApplicationFailure.nonRetryable('key revoked', 'rivya:unauthorized')))).toBe(false);
    expect(isTransientActivityFailure(activityFailure(new Error('no application cause')))).toBe(false);
    expect(isTransientActivityFailure(ApplicationFailure.retryable('not from an activity'))).toBe(false);
  });

  test('describeError reads the innermost message', () => {
    expect(describeError(activityFailure(ApplicationFailure.retryable('HTTP 503', 'rivya:server_error')))).toBe('HTTP 503');
    expect(describeError('plain')).toBe('plain');
  });
});
