/**
 * The paid create, the status read, the credit reconciliation and the wallet read, each run as an
 * activity (MockActivityEnvironment: a real activity Context, no server) against the simulator over
 * a loopback socket. The create is idempotent by the workflow id: the key the workflow passes.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { makeGenerationActivities } from '../../activities/generation';
import { makeWalletActivities } from '../../activities/wallet';
import { toClientRequestId } from '../../src/contract/models';
import type { CreateGenerationInput } from '../../workflows/common/activity-contract';
import { activityContext, activityFailureOf, runActivity, useActivitySimulator } from '../helpers/activity-env';
import { waitFor } from '../helpers/simulator';

const sim = useActivitySimulator();

const createInput = (workflowId: string, prompt = '[sim:succeed] a paper boat'): CreateGenerationInput => ({
  model: 'sora-2',
  prompt,
  params: { n_frames: '10' },
  idempotencyKey: workflowId,
});

describe('rivyaCreateGeneration', () => {
  test('the workflow id is the idempotency key: a retried create gets the same task back, charged once', async () => {
    const { rivyaCreateGeneration } = makeGenerationActivities(sim.client());
    const walletBefore = sim.simulator.stats().wallets.acct_primary!;
    const first = await runActivity(rivyaCreateGeneration, [createInput('wf-boat')], activityContext({ attempt: 1 }));
    const retried = await runActivity(rivyaCreateGeneration, [createInput('wf-boat')], activityContext({ attempt: 2 }));
    expect(first.replayed).toBe(false);
    expect(retried).toMatchObject({ replayed: true, task: { id: first.task.id } });
    const stats = sim.simulator.stats();
    expect(stats.tasksPerIdempotencyKey['wf-boat']).toBe(1);
    const task = stats.tasks.find((t) => t.id === first.task.id)!;
    expect(task).toMatchObject({ idempotencyKey: 'wf-boat', clientRequestId: toClientRequestId('wf-boat') });
    expect(walletBefore - stats.wallets.acct_primary!).toBe(first.task.reservedCredits);
    // The plan the workflow's timers come from goes into history with the task.
    expect(first.plan?.expectation.expectedMs).toBeGreaterThan(0);
  });

  test('another workflow id is another task', async () => {
    const { rivyaCreateGeneration } = makeGenerationActivities(sim.client());
    const a = await runActivity(rivyaCreateGeneration, [createInput('wf-a')]);
    const b = await runActivity(rivyaCreateGeneration, [createInput('wf-b')]);
    expect(a.task.id).not.toBe(b.task.id);
    expect(sim.simulator.stats().tasks).toHaveLength(2);
  });

  test('a lost response: the retry with the same key finds the task the lost call created', async () => {
    sim.simulator.configure({ faults: { createGeneration: { script: ['lost_response'] } } });
    const { rivyaCreateGeneration } = makeGenerationActivities(sim.client());
    const lost = await activityFailureOf(runActivity(rivyaCreateGeneration, [createInput('wf-lost')], activityContext({ attempt: 1 })));
    expect(lost.nonRetryable).toBe(false);
    const retried = await runActivity(rivyaCreateGeneration, [createInput('wf-lost')], activityContext({ attempt: 2 }));
    expect(retried.replayed).toBe(true);
    expect(sim.simulator.stats().tasksPerIdempotencyKey['wf-lost']).toBe(1);
  });

  test('an invalid request fails non-retryable, typed rivya:<code>, nothing created', async () => {
    const { rivyaCreateGeneration } = makeGenerationActivities(sim.client());
    const failure = await activityFailureOf(runActivity(rivyaCreateGeneration, [{ ...createInput('wf-bad'), model: 'sora-9' as never }]));
    expect(failure.type).toMatch(/^rivya:/);
    expect(failure.nonRetryable).toBe(true);
    expect(sim.simulator.stats().tasks).toHaveLength(0);
  });

  test('cancelled while Rivya is slow to answer: a CancelledFailure, not a retryable error', async () => {
    sim.simulator.configure({ faults: { createGeneration: { script: ['slow'], slowMs: 3_000 } } });
    const { rivyaCreateGeneration } = makeGenerationActivities(sim.client());
    const env = activityContext();
    const running = runActivity(rivyaCreateGeneration, [createInput('wf-cancel')], env).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The simulator counts a request once handled (after the 3 s): cancel well inside the delay.
    await new Promise((resolve) => setTimeout(resolve, 300));
    env.cancel();
    expect(await running).toBeInstanceOf(CancelledFailure);
  });
});

describe('rivyaGetGeneration and rivyaReconcileCredits', () => {
  test('a status read returns the task as a snapshot; a failed task reconciles as refunded', async () => {
    const { rivyaCreateGeneration, rivyaGetGeneration, rivyaReconcileCredits } = makeGenerationActivities(sim.client());
    const env = activityContext();
    const { task } = await runActivity(rivyaCreateGeneration, [createInput('wf-fails', '[sim:fail] will not render')], env);
    const ended = await waitFor(
      async () => {
        const snapshot = await runActivity(rivyaGetGeneration, [task.id], env);
        return snapshot.status === 'failed' ? snapshot : undefined;
      },
      10_000,
      100,
    );
    expect(ended).toMatchObject({ id: task.id, status: 'failed' });
    const reconciliation = await runActivity(rivyaReconcileCredits, [task.id], env);
    expect(reconciliation).toMatchObject({ taskId: task.id, status: 'failed', source: 'api' });
    expect(reconciliation.refunded).not.toBe('pending');
  });

  test('an unknown task id fails non-retryable', async () => {
    const { rivyaGetGeneration } = makeGenerationActivities(sim.client());
    const failure = await activityFailureOf(runActivity(rivyaGetGeneration, ['task_nobody']));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(true);
  });
});

test('rivyaGetCredits reads the wallet', async () => {
  const { rivyaGetCredits } = makeWalletActivities(sim.client());
  expect(await runActivity(rivyaGetCredits, [])).toBe(sim.simulator.stats().wallets.acct_primary);
});
