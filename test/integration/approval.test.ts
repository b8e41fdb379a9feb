/**
 * Approval before paying (`approval.required`), on the real dev server and the simulator: the run
 * validates and uploads, then waits at the gate with its price showing; approve → paid exactly
 * once; reject or timeout → a typed failure, nothing created or charged (the simulator's ledger),
 * the compensations run. A bad or late decision is refused by the validator and writes nothing.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  approveSora2Generation,
  BatchFailureTypes,
  FailureTypes,
  INVALID_OPERATOR_UPDATE,
  MODEL_SPECS,
  rejectSora2Generation,
  RIVYA_TASK_STATUS,
  sora2ApproveUpdate,
  sora2BatchStatusQuery,
  sora2RejectUpdate,
  sora2StatusQuery,
  startSora2Batch,
  type BatchFailureDetails,
  type CompensationContext,
  type Sora2GenerationInput,
} from '../../src';
import { assetPath } from '../../src/internal/package-root';
import { eventCount, fetchAllRuns } from '../helpers/histories';
import { waitFor } from '../helpers/simulator';
import { FAST_POLLING, generationFailureOf, useTestStack } from '../helpers/stack';
import { nextId } from '../helpers/ids';
import { cleanEnv, runCli } from '../helpers/cli-process';

const compensationCalls: Array<{ activity: string; context: CompensationContext }> = [];
const pipelineActivities = {
  async releaseQuota(context: CompensationContext) {
    compensationCalls.push({ activity: 'releaseQuota', context });
  },
  async forgetUpload(context: CompensationContext) {
    compensationCalls.push({ activity: 'forgetUpload', context });
  },
};

// The plugin's own workflows module: sora2Generation and sora2Batch (the batch tests at the end).
const stack = useTestStack({
  activities: pipelineActivities,
  resetBeforeEach: true,
  workflowsPath: require.resolve('../../src/worker/workflows'),
});
beforeAll(() => copyFileSync(assetPath('sample-reference.png'), join(stack.referenceDir, 'approval.png')));
beforeEach(() => {
  compensationCalls.length = 0;
});

const gated = (prompt: string, approval: Sora2GenerationInput['approval'] = { required: true }): Sora2GenerationInput => ({
  prompt,
  polling: FAST_POLLING,
  reference: { path: 'approval.png' },
  approval,
  compensations: [
    { activity: 'releaseQuota', args: [] },
    { activity: 'forgetUpload', args: [], after: 'reference-uploaded' },
  ],
});

const creates = () => stack.simulator.stats().counters.createGeneration?.requests ?? 0;

async function untilAwaitingApproval(handle: WorkflowHandle) {
  return waitFor(async () => {
    const status = await handle.query(sora2StatusQuery);
    return status.phase === 'awaiting-approval' ? status : undefined;
  });
}

async function historyLength(handle: WorkflowHandle): Promise<number> {
  const runs = await fetchAllRuns(stack.env.client, handle.workflowId);
  return runs.reduce((total, run) => total + eventCount(run), 0);
}

/** The Update's refusal, as the validator typed it. */
async function refusal(update: Promise<unknown>): Promise<string> {
  const err = await update.then(
    () => {
      throw new Error('the Update was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause.type).toBe(INVALID_OPERATOR_UPDATE);
  return cause.message;
}

/** Whether the list finds the run by `RivyaTaskStatus = status` (visibility is eventually consistent). */
async function listedAs(handle: WorkflowHandle, status: string): Promise<boolean> {
  const query = `${RIVYA_TASK_STATUS.name} = '${status}' AND WorkflowId = '${handle.workflowId}'`;
  return waitFor(async () => {
    for await (const execution of stack.env.client.workflow.list({ query })) if (execution.workflowId === handle.workflowId) return true;
    return undefined;
  });
}

test('approve: waits at the gate with its price, then pays exactly once; a second decision is refused', async () => {
  const handle = await stack.start(gated('[sim:succeed] approve me'), 'approval-approve');
  const status = await untilAwaitingApproval(handle);
  expect(status.approval).toMatchObject({ state: 'pending', priceCredits: MODEL_SPECS['sora-2'].baseCredits, decision: null });
  expect(Date.parse(status.approval!.timeoutAt!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  expect(status.referenceFileId).not.toBeNull(); // validated and uploaded before the gate
  expect(status.taskId).toBeNull();
  expect(await listedAs(handle, 'awaiting_approval')).toBe(true);
  expect(creates()).toBe(0);

  const decision = await approveSora2Generation(stack.env.client, handle.workflowId, { by: 'ana@example.com', reason: 'in budget' });
  expect(decision).toMatchObject({ verdict: 'approved', by: 'ana@example.com', reason: 'in budget' });
  const result = await handle.result();
  expect(result.status).toBe('succeeded');
  expect(creates()).toBe(1);
  expect(stack.simulator.stats().tasksPerIdempotencyKey[handle.workflowId]).toBe(1);
  expect(compensationCalls).toEqual([]);
  // Decided and finished: nothing more to decide.
  await expect(rejectSora2Generation(stack.env.client, handle.workflowId, { by: 'bo', reason: 'late' })).rejects.toThrow();
  const finalStatus = await handle.query(sora2StatusQuery);
  expect(finalStatus.approval).toMatchObject({ state: 'approved', decision: { by: 'ana@example.com' } });
  expect(finalStatus.eta).toMatchObject({ kind: 'finished', progressPercent: 100 });
});

test('a bad or second decision is refused by the validator and writes no history', async () => {
  const handle = await stack.start(gated('[sim:succeed] decide twice'), 'approval-twice');
  await untilAwaitingApproval(handle);
  const before = await historyLength(handle);
  expect(await refusal(handle.executeUpdate(sora2ApproveUpdate, { args: [{ by: '' }] }))).toMatch(/by \(who decides\) is required/);
  expect(await refusal(handle.executeUpdate(sora2RejectUpdate, { args: [{ by: 'bo' }] }))).toMatch(/needs a reason/);
  expect(await refusal(handle.executeUpdate(sora2ApproveUpdate, { args: [{ by: 'x'.repeat(201) }] }))).toMatch(/at most 200/);
  expect(await refusal(handle.executeUpdate(sora2ApproveUpdate, { args: [{ by: 'bo', extra: 1 } as never] }))).toMatch(/unknown field/);
  expect(await historyLength(handle)).toBe(before);

  await handle.executeUpdate(sora2RejectUpdate, { args: [{ by: 'bo', reason: 'wrong prompt' }] });
  expect(await refusal(handle.executeUpdate(sora2ApproveUpdate, { args: [{ by: 'ana' }] }))).toMatch(/already decided: rejected by bo/);
  const { failure } = await generationFailureOf(handle);
  expect(failure.type).toBe(FailureTypes.ApprovalRejected);
});

test('reject: ApprovalRejected with who and why, nothing created or charged, compensations ran', async () => {
  const ledgerBefore = stack.simulator.stats().ledger.length;
  const handle = await stack.start(gated('[sim:succeed] reject me'), 'approval-reject');
  await untilAwaitingApproval(handle);
  await rejectSora2Generation(stack.env.client, handle.workflowId, { by: 'bo', reason: 'too expensive today' });
  const { failure, details } = await generationFailureOf(handle);
  expect(failure.type).toBe(FailureTypes.ApprovalRejected);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toMatch(/rejected by bo, nothing paid.*too expensive today/);
  expect(details).toMatchObject({ reason: 'approval-rejected', taskId: null, credits: null, phase: 'failed' });
  expect(details.approval).toMatchObject({ verdict: 'rejected', by: 'bo', reason: 'too expensive today' });
  expect(details.compensations.map((c) => [c.name, c.status])).toEqual([
    ['forgetUpload', 'completed'],
    ['releaseQuota', 'completed'],
  ]);
  expect(compensationCalls.map((call) => [call.activity, call.context.reason])).toEqual([
    ['forgetUpload', 'approval-rejected'],
    ['releaseQuota', 'approval-rejected'],
  ]);
  const stats = stack.simulator.stats();
  expect(stats.counters.createGeneration).toBeUndefined();
  expect(stats.tasks).toEqual([]);
  expect(stats.ledger.length).toBe(ledgerBefore);
  expect(await listedAs(handle, 'approval_rejected')).toBe(true);
});

test('timeout: ApprovalTimedOut, nothing paid, compensations ran', async () => {
  const handle = await stack.start(gated('[sim:succeed] nobody answers', { required: true, timeoutMs: 1_500 }), 'approval-timeout');
  const { failure, details } = await generationFailureOf(handle);
  expect(failure.type).toBe(FailureTypes.ApprovalTimedOut);
  expect(details.approval).toMatchObject({ verdict: 'timed-out', by: null });
  expect(details.compensations.map((c) => c.name)).toEqual(['forgetUpload', 'releaseQuota']);
  expect(creates()).toBe(0);
  expect(await listedAs(handle, 'approval_timed_out')).toBe(true);
  await expect(approveSora2Generation(stack.env.client, handle.workflowId, { by: 'ana' })).rejects.toThrow();
});

test('without `approval` the run never waits, and approve is refused', async () => {
  const handle = await stack.start({ prompt: '[sim:succeed] no gate', polling: FAST_POLLING }, 'approval-none');
  const refused = await handle.executeUpdate(sora2ApproveUpdate, { args: [{ by: 'ana' }] }).then(
    () => 'accepted',
    (err: unknown) => ((err as WorkflowUpdateFailedError).cause as ApplicationFailure | undefined)?.message ?? String(err),
  );
  expect(refused).toMatch(/does not require approval|completed/);
  expect((await handle.result()).status).toBe('succeeded');
  expect((await handle.query(sora2StatusQuery)).approval).toBeNull();
});

describe('a batch: one approval for its whole estimated cost, before any child starts', () => {
  const batchOf = (prompt: string) => ({
    items: [{ prompt: `${prompt} one` }, { prompt: `${prompt} two` }],
    defaults: { polling: FAST_POLLING },
    approval: { required: true },
  });

  test('rejected: ApprovalRejected with Σ priceOf, no child, nothing created', async () => {
    const handle = await startSora2Batch(stack.env.client, batchOf('[sim:succeed] batch rejected'), {
      batchId: nextId('approval-batch-no'),
      taskQueue: stack.taskQueue,
    });
    expect(await listedAs(handle, 'awaiting_approval')).toBe(true);
    expect(await handle.query(sora2BatchStatusQuery)).toMatchObject({
      phase: 'awaiting-approval',
      counts: { total: 2, queued: 2, running: 0 },
      approval: { state: 'pending', priceCredits: 2 * MODEL_SPECS['sora-2'].baseCredits },
    });
    expect(creates()).toBe(0);
    await rejectSora2Generation(stack.env.client, handle.workflowId, { by: 'cfo', reason: 'not this month' });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e as { cause?: ApplicationFailure },
    );
    const failure = err!.cause!;
    expect(failure.type).toBe(BatchFailureTypes.ApprovalRejected);
    const details = failure.details![0] as BatchFailureDetails;
    expect(details).toMatchObject({ required: 2 * MODEL_SPECS['sora-2'].baseCredits, approval: { verdict: 'rejected', by: 'cfo' } });
    expect(creates()).toBe(0);
    expect(stack.simulator.stats().tasks).toEqual([]);
  });

  test('approved: the children run, each paid once', async () => {
    const handle = await startSora2Batch(stack.env.client, batchOf('[sim:succeed] batch approved'), {
      batchId: nextId('approval-batch-yes'),
      taskQueue: stack.taskQueue,
    });
    expect(await listedAs(handle, 'awaiting_approval')).toBe(true);
    expect(creates()).toBe(0);
    await approveSora2Generation(stack.env.client, handle.workflowId, { by: 'cfo' });
    const result = await handle.result();
    expect(result.counts).toMatchObject({ succeeded: 2 });
    expect(creates()).toBe(2);
    await expect(approveSora2Generation(stack.env.client, handle.workflowId, { by: 'cfo' })).rejects.toThrow();
  });
});

test('CLI: generate --require-approval, status shows the price, approve/reject with their exits', async () => {
  const env = cleanEnv({ TEMPORAL_ADDRESS: stack.env.address, RIVYA_APPROVER: 'cli-operator' });
  const workflowId = nextId('approval-cli');
  const started = await runCli(
    [
      'generate',
      '--prompt',
      '[sim:succeed] from the CLI',
      '--require-approval',
      '1h',
      '--task-queue',
      stack.taskQueue,
      '--workflow-id',
      workflowId,
    ],
    env,
  );
  expect(started.code).toBe(0);
  const handle = stack.env.client.workflow.getHandle(workflowId);
  const waiting = await untilAwaitingApproval(handle);
  expect(Date.parse(waiting.approval!.timeoutAt!) - Date.now()).toBeLessThanOrEqual(3_600_000);

  const status = await runCli(['status', workflowId], env);
  expect(status.stdout + status.stderr).toContain(`awaiting approval: ${MODEL_SPECS['sora-2'].baseCredits} credits`);

  const noReason = await runCli(['reject', workflowId], env);
  expect(noReason.code).toBe(2);
  const approved = await runCli(['approve', workflowId, '--reason', 'fine'], env);
  expect(approved.code).toBe(0);
  expect(JSON.parse(approved.stdout)).toMatchObject({ verdict: 'approved', by: 'cli-operator', reason: 'fine' });
  const twice = await runCli(['reject', workflowId, '--reason', 'changed my mind'], env);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toMatch(/refused: reject: already decided: approved by cli-operator|nothing to change/);
  expect((await handle.result()).status).toBe('succeeded');
  expect(creates()).toBe(1);
});
