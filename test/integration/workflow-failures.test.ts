/**
 * When things go wrong: task failure, cancel, deadline, rate-limit storms and lost responses —
 * each with its typed outcome, its compensations, and never a second charge.
 */
import { FailureTypes, sora2StatusQuery, startSora2Generation, type CompensationContext, type Sora2GenerationInput } from '../../src';
import { FAST_POLLING, generationFailureOf as typedFailure, useTestStack } from '../helpers/stack';
import { waitFor } from '../helpers/simulator';
import { nextId } from '../helpers/ids';

/** Pipeline compensations: the test worker registers them beside the plugin's activities. */
const compensationCalls: Array<{ activity: string; context: CompensationContext; args: unknown[] }> = [];
const pipelineActivities = {
  async releaseQuota(context: CompensationContext, ...args: unknown[]) {
    compensationCalls.push({ activity: 'releaseQuota', context, args });
  },
  async notifyEditor(context: CompensationContext, ...args: unknown[]) {
    compensationCalls.push({ activity: 'notifyEditor', context, args });
  },
};

const stack = useTestStack({ activities: pipelineActivities, resetBeforeEach: true });
beforeEach(() => {
  compensationCalls.length = 0;
});

const withCompensations = (prompt: string, extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt,
  polling: FAST_POLLING,
  metadata: { pipelineRun: 'run-7' },
  compensations: [
    { activity: 'releaseQuota', args: ['quota-42'] },
    { activity: 'notifyEditor', args: [], after: 'task-created' },
  ],
  ...extra,
});

test('a failed task: compensations run newest-first, the refund is reported, the pipeline undo runs', async () => {
  const workflowId = nextId('task-fails');
  const handle = await startSora2Generation(stack.env.client, withCompensations('[sim:fail] will not render'), {
    workflowId,
    taskQueue: stack.taskQueue,
  });
  const { failure, details } = await typedFailure(handle);
  expect(failure.type).toBe(FailureTypes.GenerationFailed);
  expect(details.remoteError).toEqual({ code: 'generation_failed', message: expect.any(String) });
  // Registered: releaseQuota (start), reconcile-credits (create), notifyEditor (task-created).
  expect(details.compensations).toEqual([
    { name: 'notifyEditor', status: 'completed' },
    { name: 'reconcile-credits', status: 'completed' },
    { name: 'releaseQuota', status: 'completed' },
  ]);
  expect(compensationCalls.map((call) => call.activity)).toEqual(['notifyEditor', 'releaseQuota']);
  const task = stack.simulator.stats().tasks[0]!;
  expect(details.taskId).toBe(task.id);
  expect(details.credits).toEqual({
    taskId: task.id,
    status: 'failed',
    reservedCredits: 6,
    finalCredits: 0,
    refunded: true,
    source: 'api',
  });
  expect(task.refundedCredits).toBe(6);
  expect(compensationCalls[1]).toEqual({
    activity: 'releaseQuota',
    context: { workflowId, reason: 'failed', taskId: task.id, metadata: { pipelineRun: 'run-7' } },
    args: ['quota-42'],
  });
  expect((await handle.query(sora2StatusQuery)).phase).toBe('failed');
});

const { statusReads } = stack;

test.each(['timer', 'activity-retry'] as const)(
  'cancel during polling (%s): no further status calls, compensations run, the running task is reported',
  async (style) => {
    stack.simulator.configure({ timing: { queuedMs: [20_000, 20_000], processingMs: { default: [20_000, 20_000] } } });
    const handle = await startSora2Generation(
      stack.env.client,
      withCompensations('[sim:succeed] long one', { polling: { ...FAST_POLLING, style } }),
      {
        workflowId: nextId(`cancelled-${style}`),
        taskQueue: stack.taskQueue,
      },
    );
    // The timer form: cancel between checks, once the run has counted two (cancelling a check in
    // flight would leave a request the run never saw answered). The retry form's checks are not
    // visible to the run until the wait ends: cancel once the simulator has answered two.
    const checked = async () => (style === 'timer' ? (await handle.query(sora2StatusQuery)).polls : statusReads());
    await waitFor(async () => ((await checked()) >= 2 ? true : undefined), 15_000);
    await handle.cancel();
    const { failure, details } = await typedFailure(handle);
    const statusCallsAtEnd = stack.simulator.stats().counters.getGeneration!.requests;
    expect(failure.type).toBe(FailureTypes.GenerationCancelled);
    expect(failure.message).toMatch(/keeps running/);
    const task = stack.simulator.stats().tasks[0]!;
    expect(details.taskId).toBe(task.id);
    expect(details.credits).toMatchObject({ taskId: task.id, refunded: 'pending', source: 'last-known', reservedCredits: 6 });
    expect(details.compensations.map((c) => c.name)).toEqual(['notifyEditor', 'reconcile-credits', 'releaseQuota']);
    expect(compensationCalls.every((call) => call.context.reason === 'cancelled')).toBe(true);
    // Two poll intervals later, nobody has asked Rivya about the task again.
    await new Promise((resolve) => setTimeout(resolve, 2 * FAST_POLLING.maxIntervalMs));
    expect(stack.simulator.stats().counters.getGeneration!.requests).toBe(statusCallsAtEnd);
    // The timer form counts every check; a cancelled wait by retries cannot report the checks it made.
    if (style === 'timer') expect(statusCallsAtEnd).toBe(details.polls);
    else expect(details.polls).toBeLessThanOrEqual(statusCallsAtEnd);
  },
);

test('the deadline passes: GenerationTimedOut, credits read once more, compensations run', async () => {
  stack.simulator.configure({ timing: { queuedMs: [30_000, 30_000], processingMs: { default: [30_000, 30_000] } } });
  const handle = await startSora2Generation(
    stack.env.client,
    withCompensations('[sim:succeed] too slow', { polling: { ...FAST_POLLING, deadlineMs: 2_500 } }),
    { workflowId: nextId('deadline'), taskQueue: stack.taskQueue },
  );
  const { failure, details } = await typedFailure(handle);
  expect(failure.type).toBe(FailureTypes.GenerationTimedOut);
  expect(details.credits).toMatchObject({ refunded: 'pending', source: 'api', status: 'queued' });
  expect(details.compensations.map((c) => c.status)).toEqual(['completed', 'completed', 'completed']);
  // Liveness, not speed: the deadline ended the run, long before the task's 60 s would have.
  const { closeTime, startTime } = await handle.describe();
  expect(closeTime!.getTime() - startTime.getTime()).toBeLessThan(45_000);
});

test('a 429 storm on create: Retry-After is honoured, and one task results', async () => {
  stack.simulator.configure({ faults: { createGeneration: { script: ['rate_limited', 'rate_limited'], retryAfterSeconds: 3 } } });
  const handle = await stack.start({ prompt: '[sim:succeed] storm', polling: FAST_POLLING }, 'storm');
  const { workflowId } = handle;
  const result = await handle.result();
  const creates = stack.simulator.store.requestLog.filter((entry) => entry.endpoint === 'createGeneration');
  expect(creates.map((entry) => entry.status)).toEqual([429, 429, 202]);
  // Without Retry-After the policy would retry after 1 s, then 2 s; the server asked for 3 s.
  expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(2_900);
  expect(creates[2]!.at - creates[1]!.at).toBeGreaterThanOrEqual(2_900);
  expect(stack.simulator.stats().tasksPerIdempotencyKey[workflowId]).toBe(1);
  expect(result.taskId).toBe(stack.simulator.stats().tasks[0]!.id);
});

test('a lost create response: the retry replays the same task — exactly one task for the workflow id', async () => {
  stack.simulator.configure({ faults: { createGeneration: { script: ['lost_response', 'reset'] } } });
  const handle = await stack.start({ prompt: '[sim:succeed] lost', polling: FAST_POLLING }, 'lost');
  const { workflowId } = handle;
  const result = await handle.result();
  const stats = stack.simulator.stats();
  expect(stats.counters.createGeneration!.requests).toBe(3);
  expect(stats.counters.createGeneration!.byStatus).toEqual({ '0': 2, '200': 1 });
  expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
  expect(stats.tasks).toHaveLength(1);
  expect(result.taskId).toBe(stats.tasks[0]!.id);
  expect(result.credits).toEqual({ reserved: 6, final: 6 });
});

test('transient faults on every endpoint are ridden out', async () => {
  stack.simulator.reset({
    seed: 7,
    faults: {
      // Scripted first (so every kind is certain to happen), then random faults on everything.
      createGeneration: { script: ['server_error', 'unavailable', 'slow'], slowMs: 300 },
      getGeneration: { script: ['reset', 'malformed_json', 'rate_limited_no_retry_after'] },
      '*': {
        rates: { server_error: 0.15, unavailable: 0.1, reset: 0.1, rate_limited_no_retry_after: 0.1, malformed_json: 0.05 },
        retryAfterSeconds: 0,
      },
    },
  });
  const workflowId = nextId('faulty');
  const result = await (
    await startSora2Generation(
      stack.env.client,
      { prompt: '[sim:succeed] faults', polling: FAST_POLLING },
      { workflowId, taskQueue: stack.taskQueue },
    )
  ).result();
  const stats = stack.simulator.stats();
  const injected = Object.values(stats.counters).reduce((sum, c) => sum + Object.values(c.faults).reduce((a, b) => a + b, 0), 0);
  expect(injected).toBeGreaterThanOrEqual(6);
  expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
  expect(result.taskId).toBe(stats.tasks[0]!.id);
});

test('a key revoked mid-run is not retried forever: GenerationRejected after compensation', async () => {
  stack.simulator.configure({ timing: { queuedMs: [20_000, 20_000], processingMs: { default: [20_000, 20_000] } } });
  const handle = await startSora2Generation(stack.env.client, withCompensations('[sim:succeed] revoked'), {
    workflowId: nextId('revoked'),
    taskQueue: stack.taskQueue,
  });
  await waitFor(async () => (statusReads() >= 1 ? true : undefined), 15_000);
  const keys = stack.simulator
    .config()
    .apiKeys.map((key) =>
      key.account === 'acct_primary' && key.state === 'active' && !key.scopes ? { ...key, state: 'revoked' as const } : key,
    );
  stack.simulator.configure({ apiKeys: keys });
  const { failure, details } = await typedFailure(handle);
  expect(failure.type).toBe(FailureTypes.GenerationRejected);
  expect(details.remoteError?.code).toBe('api_key_revoked');
  // The built-in reconcile needs the API too: it fails, is reported, and the pipeline undo still runs.
  expect(details.compensations).toEqual([
    { name: 'notifyEditor', status: 'completed' },
    { name: 'reconcile-credits', status: 'failed', error: expect.stringContaining('api_key_revoked') },
    { name: 'releaseQuota', status: 'completed' },
  ]);
});
