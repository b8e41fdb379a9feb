/**
 * Outcomes an operator reads at a glance, on the real dev server: workflow-id conflicts, the
 * RivyaTaskStatus of runs that end before a task exists, the remote error in the failure message,
 * no stale "next check", the summary label, retries visible from describe, and an unregistered
 * compensation failing at once.
 */
import type { WorkflowHandle } from '@temporalio/client';
import {
  FailureTypes,
  RIVYA_TASK_STATUS,
  SORA2_INPUT_HASH_MEMO_KEY,
  SORA2_WORKFLOW_TYPE,
  sora2StatusQuery,
  Sora2WorkflowIdConflictError,
  startSora2Generation,
  type Sora2GenerationInput,
} from '../../src';
import { activityRetriesOf } from '../../tools/cli/progress';
import { FAST_POLLING, generationFailureOf as typedFailure, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/simulator';
import { nextId } from '../helpers/ids';

const stack = useTestStack({ resetBeforeEach: true });

const slow = () => stack.simulator.configure({ timing: { queuedMs: [20_000, 20_000], processingMs: { default: [20_000, 20_000] } } });
const input = (prompt: string, extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt,
  polling: FAST_POLLING,
  ...extra,
});

async function taskStatusAttribute(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(RIVYA_TASK_STATUS);
}

describe('the same workflow id with different input', () => {
  test('a running generation: different input is refused, the same input (other key order) attaches', async () => {
    slow();
    const workflowId = nextId('conflict-running');
    const first = await startSora2Generation(
      stack.env.client,
      input('[sim:succeed] a red kite', { params: { n_frames: '10', aspect_ratio: 'portrait' } }),
      {
        workflowId,
        taskQueue: stack.taskQueue,
      },
    );
    const conflict = startSora2Generation(stack.env.client, input('[sim:succeed] a blue kite'), { workflowId, taskQueue: stack.taskQueue });
    await expect(conflict).rejects.toBeInstanceOf(Sora2WorkflowIdConflictError);
    await expect(conflict).rejects.toThrow(new RegExp(`workflow id ${workflowId} is already used by a run with different input`));
    const again = await startSora2Generation(
      stack.env.client,
      { params: { aspect_ratio: 'portrait', n_frames: '10' }, polling: FAST_POLLING, prompt: '[sim:succeed] a red kite', model: 'sora-2' },
      { workflowId, taskQueue: stack.taskQueue },
    );
    expect((await again.describe()).runId).toBe((await first.describe()).runId);
    expect(typeof (await first.describe()).memo?.[SORA2_INPUT_HASH_MEMO_KEY]).toBe('string');
    await first.terminate('test done');
    expect(stack.simulator.stats().counters.createGeneration?.requests ?? 0).toBeLessThanOrEqual(1);
  });

  test('a closed generation: different input is refused, the same input attaches to its result', async () => {
    const workflowId = nextId('conflict-closed');
    const first = await startSora2Generation(stack.env.client, input('[sim:succeed] a lighthouse'), {
      workflowId,
      taskQueue: stack.taskQueue,
    });
    const result = await first.result();
    await expect(
      startSora2Generation(stack.env.client, input('[sim:succeed] a windmill'), { workflowId, taskQueue: stack.taskQueue }),
    ).rejects.toBeInstanceOf(Sora2WorkflowIdConflictError);
    const again = await startSora2Generation(stack.env.client, input('[sim:succeed] a lighthouse'), {
      workflowId,
      taskQueue: stack.taskQueue,
    });
    expect((await again.result()).taskId).toBe(result.taskId);
    expect(stack.simulator.stats().counters.createGeneration!.requests).toBe(1);
  });

  test('a run started without the input hash (older client) is attached to as before', async () => {
    slow();
    const workflowId = nextId('conflict-legacy');
    const legacy = await stack.env.client.workflow.start(SORA2_WORKFLOW_TYPE, {
      args: [input('[sim:succeed] an old start')],
      workflowId,
      taskQueue: stack.taskQueue,
    });
    const attached = await startSora2Generation(stack.env.client, input('[sim:succeed] something else'), {
      workflowId,
      taskQueue: stack.taskQueue,
    });
    expect((await attached.describe()).runId).toBe(legacy.firstExecutionRunId);
    await legacy.terminate('test done');
  });
});

describe('RivyaTaskStatus when the run ends before a task exists', () => {
  test('invalid input (past the client check): invalid_input', async () => {
    const handle = await stack.env.client.workflow.start(SORA2_WORKFLOW_TYPE, {
      args: [{ prompt: '   ', polling: FAST_POLLING }],
      workflowId: nextId('sa-invalid'),
      taskQueue: stack.taskQueue,
    });
    const { failure } = await typedFailure(handle);
    expect(failure.type).toBe(FailureTypes.ValidationFailed);
    expect(await taskStatusAttribute(handle)).toBe('invalid_input');
  });

  test('a rejected reference: reference_rejected', async () => {
    const handle = await startSora2Generation(
      stack.env.client,
      input('[sim:succeed] with a missing reference', { reference: { path: 'nope.png' } }),
      {
        workflowId: nextId('sa-reference'),
        taskQueue: stack.taskQueue,
      },
    );
    const { details } = await typedFailure(handle);
    expect(details.reason).toBe('reference-rejected');
    expect(await taskStatusAttribute(handle)).toBe('reference_rejected');
  });

  test('not upserted when the caller turned search attributes off', async () => {
    const handle = await startSora2Generation(
      stack.env.client,
      input('[sim:succeed] no attributes', { reference: { path: 'nope.png' }, searchAttributes: false }),
      { workflowId: nextId('sa-off'), taskQueue: stack.taskQueue },
    );
    await typedFailure(handle);
    expect(await taskStatusAttribute(handle)).toBeUndefined();
  });
});

test("a failed task: the failure message carries Rivya's own words", async () => {
  const handle = await startSora2Generation(stack.env.client, input('[sim:fail] will not render'), {
    workflowId: nextId('fail-words'),
    taskQueue: stack.taskQueue,
  });
  const { failure, details } = await typedFailure(handle);
  expect(failure.type).toBe(FailureTypes.GenerationFailed);
  expect(details.remoteError?.message).toBeTruthy();
  expect(failure.message).toBe(`the generation task ${details.taskId} failed: ${details.remoteError!.message}`);
});

test('cancelled mid-wait: the status no longer shows a next check', async () => {
  slow();
  // The timer form: a next check the status can show (the retry form's next check is the server's).
  const handle = await startSora2Generation(
    stack.env.client,
    input('[sim:succeed] cancel me', { polling: { ...FAST_POLLING, style: 'timer' } }),
    {
      workflowId: nextId('no-next-check'),
      taskQueue: stack.taskQueue,
    },
  );
  await waitFor(async () => ((await handle.query(sora2StatusQuery)).nextPollAt ? true : undefined), 15_000);
  await handle.cancel();
  await typedFailure(handle);
  const status = await handle.query(sora2StatusQuery);
  expect(status.phase).toBe('cancelled');
  expect(status.nextPollAt).toBeNull();
});

test('the summary shows metadata.title, else the first words of the prompt, and can be left out', async () => {
  slow();
  const titled = await startSora2Generation(
    stack.env.client,
    input('[sim:succeed] secret words', { metadata: { title: 'Order 42 teaser' } }),
    {
      workflowId: nextId('label-title'),
      taskQueue: stack.taskQueue,
    },
  );
  const worded = await startSora2Generation(stack.env.client, input('[sim:succeed] a cat surfing a wave at golden hour in Lisbon'), {
    workflowId: nextId('label-words'),
    taskQueue: stack.taskQueue,
  });
  const hidden = await startSora2Generation(stack.env.client, input('[sim:succeed] confidential'), {
    workflowId: nextId('label-off'),
    taskQueue: stack.taskQueue,
    summaryLabel: false,
  });
  expect(await (await titled.describe()).staticSummary()).toBe('sora-2: Order 42 teaser');
  expect(await (await worded.describe()).staticSummary()).toBe('sora-2: [sim:succeed] a cat surfing a wave');
  expect(await (await hidden.describe()).staticSummary()).toBe('sora-2 generation');
  await Promise.all([titled, worded, hidden].map((handle) => handle.terminate('test done')));
});

test('an activity that keeps failing: describe shows its attempt and last failure', async () => {
  stack.simulator.configure({ faults: { createGeneration: { script: ['reset', 'reset', 'reset', 'reset'] } } });
  const handle = await startSora2Generation(stack.env.client, input('[sim:succeed] through resets'), {
    workflowId: nextId('retries'),
    taskQueue: stack.taskQueue,
  });
  const retry = await waitFor(async () => activityRetriesOf(await handle.describe()).find((r) => r.attempt >= 2), 20_000);
  expect(retry.activityType).toBe('rivyaCreateGeneration');
  expect(retry.lastFailure).toBeTruthy();
  expect(retry.nextAttemptAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  await handle.terminate('test done');
});

test('an unregistered compensation activity fails at once instead of retrying', async () => {
  const handle = await startSora2Generation(
    stack.env.client,
    input('[sim:fail] undo me', { compensations: [{ activity: 'notRegisteredAnywhere', args: [] }] }),
    { workflowId: nextId('unregistered-undo'), taskQueue: stack.taskQueue },
  );
  const { details } = await typedFailure(handle);
  expect(details.compensations).toContainEqual({
    name: 'notRegisteredAnywhere',
    status: 'failed',
    error: expect.stringMatching(/not registered/),
  });
  // Retried, this took minutes (1 s, 2 s, 4 s ... up to 10 attempts). Retries add no events, but
  // the started event of an activity's last attempt records that attempt's number: here the first.
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notRegisteredAnywhere');
  expect(scheduled).toBeDefined();
  const startedEvent = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled!.eventId));
  expect(startedEvent?.activityTaskStartedEventAttributes?.attempt).toBe(1);
});
