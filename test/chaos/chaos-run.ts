/**
 * One chaos run: many generations at once against a faulty simulator while worker processes are
 * SIGKILLed and restarted, a second worker joins and leaves, and the dev server restarts on its
 * SQLite file. Half the generations complete by webhook: the simulator signs and delivers each
 * task's terminal event (with delivery faults) to a real receiver, which is restarted mid-run.
 * Returns what happened and the evidence the invariants are checked on.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSora2Generation } from '../../src/client/helpers';
import { generationFailureOf } from '../../src/client/generation-failure';
import { assetPath } from '../../src/internal/package-root';
import { DEFAULT_SORA_MODEL, type SoraModel } from '../../src/contract/models';
import type { RivyaSimulator, SimulatorStats } from '../../simulator/index';
import type { GenerationFailureDetails } from '../../workflows/common/failures';
import type { Sora2GenerationResult } from '../../workflows/generation/sora2-generation';
import { fetchAllRuns, type RecordedRun } from '../helpers/histories';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';
import { startTestTemporal } from '../helpers/temporal-env';
import { spawnWorkerProcess, type WorkerProcess } from '../../tools/testing/worker-process';
import { CHAOS_FAULTS, CHAOS_WEBHOOKS, type ChaosProfile } from './profiles';
import { freePort } from '../helpers/ports';
import { startWebhookRig, type WebhookEvidence, type WebhookRig } from './webhook-rig';
import { acceptEveryDeliveryVerifier, BREAK_WEBHOOK_VERIFY_ENV } from './fault-injection';

export interface WorkflowOutcome {
  workflowId: string;
  withReference: boolean;
  /** Started with `completion: { webhooks: true }` (else `webhooks: false`). */
  webhooks: boolean;
  /** The model the workflow was asked for (what a failed generation was priced at). */
  model: SoraModel;
  status: string;
  result?: Sora2GenerationResult;
  failureType?: string;
  failureMessage?: string;
  details?: GenerationFailureDetails;
}

export interface ChaosEvidence {
  profile: ChaosProfile;
  startedAt: string;
  durationMs: number;
  outcomes: WorkflowOutcome[];
  stats: SimulatorStats;
  initialCredits: number;
  runs: RecordedRun[];
  workerLogs: string[];
  /** The simulator's delivery ledger and events, and what the receiver answered. */
  webhooks: WebhookEvidence;
  actions: ChaosActions;
}

export interface ChaosActions {
  kills: number;
  workerRestarts: number;
  secondWorkerJoins: number;
  secondWorkerLeaves: number;
  serverRestarts: number;
  receiverRestarts: number;
}

export function noActions(): ChaosActions {
  return { kills: 0, workerRestarts: 0, secondWorkerJoins: 0, secondWorkerLeaves: 0, serverRestarts: 0, receiverRestarts: 0 };
}

const TASK_QUEUE = 'chaos';
const INITIAL_CREDITS = 1_000_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runningCount(client: Client): Promise<number> {
  const { count } = await client.workflow.count(`TaskQueue = '${TASK_QUEUE}' AND ExecutionStatus = 'Running'`);
  return count;
}

export async function outcomeOf(
  client: Client,
  workflowId: string,
  withReference: boolean,
  model: SoraModel = DEFAULT_SORA_MODEL,
  webhooks = false,
): Promise<WorkflowOutcome> {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') return { workflowId, withReference, webhooks, model, status: status.name };
  try {
    return { workflowId, withReference, webhooks, model, status: status.name, result: await handle.result() };
  } catch (err) {
    const failure = generationFailureOf(err);
    return {
      workflowId,
      withReference,
      webhooks,
      model,
      status: status.name,
      failureType: failure?.type,
      failureMessage: failure?.message ?? String(err),
      details: failure?.details,
    };
  }
}

export async function runChaos(profile: ChaosProfile): Promise<ChaosEvidence> {
  const started = Date.now();
  const dbFilename = join(mkdtempSync(join(tmpdir(), 'chaos-db-')), 'temporal.db');
  const referenceDir = mkdtempSync(join(tmpdir(), 'chaos-refs-'));
  copyFileSync(assetPath('sample-reference.png'), join(referenceDir, 'reference.png'));
  const port = await freePort();
  let env: TestWorkflowEnvironment = await startTestTemporal({ dbFilename, port });
  const simulator: RivyaSimulator = await startTestSimulator({
    seed: 20261124,
    initialCredits: INITIAL_CREDITS,
    failureRate: 0.2,
    timing: { queuedMs: [500, 1_500], processingMs: { default: [1_500, 5_000] } },
    faults: CHAOS_FAULTS as never,
    webhooks: CHAOS_WEBHOOKS as never,
  });
  const workerLogs: string[] = [];
  const actions = noActions();
  let rig: WebhookRig | undefined;
  const spawnWorker = () =>
    spawnWorkerProcess({
      temporalAddress: env.address,
      taskQueue: TASK_QUEUE,
      rivyaBaseUrl: simulator.url,
      apiKey: TEST_API_KEY,
      extraEnv: { RIVYA_REFERENCE_DIR: referenceDir },
    });
  let main: WorkerProcess | undefined;
  let second: WorkerProcess | undefined;
  const retire = async (worker: WorkerProcess | undefined, signal: NodeJS.Signals) => {
    if (!worker) return;
    await worker.kill(signal);
    workerLogs.push(worker.output());
  };

  try {
    // The receiver reaches Temporal on its own lazy connection to the fixed port, so it outlives
    // the dev-server restart (answering 503 meanwhile, and Rivya redelivers).
    // CHAOS_BREAK_WEBHOOK_VERIFY=1 (test-only): the receiver takes every delivery as signed, and the
    // forged-accepted invariants must break.
    const breakVerify = process.env[BREAK_WEBHOOK_VERIFY_ENV] === '1';
    rig = await startWebhookRig({
      simulator,
      temporalAddress: env.address,
      ...(breakVerify ? { verifier: acceptEveryDeliveryVerifier } : {}),
    });
    main = await spawnWorker();
    const outcomesInput = Array.from({ length: profile.workflows }, (_, i) => ({
      workflowId: `chaos-${started}-${i}`,
      withReference: i < profile.workflows * profile.referenceShare,
      // Pairs of consecutive workflows share a mode, so both n_frames values run in each mode.
      webhooks: i % 4 < Math.round(4 * profile.webhookShare),
    }));
    await Promise.all(
      outcomesInput.map(({ workflowId, withReference, webhooks }, i) =>
        startSora2Generation(
          env.client,
          {
            prompt: `chaos generation #${i}: a drone shot over a stormy coast`,
            params: { n_frames: i % 2 ? '15' : '10' },
            ...(withReference ? { reference: { path: 'reference.png' } } : {}),
            polling: {
              firstCheckAfterMs: 500,
              minIntervalMs: 500,
              maxIntervalMs: 2_000,
              expectedDurationMs: 3_000,
              deadlineMs: profile.timeoutMs * 2,
            },
            completion: { webhooks },
          },
          { workflowId, taskQueue: TASK_QUEUE },
        ),
      ),
    );

    // The chaos monkey: kill/restart the main worker, bring a second worker in and out, restart the server.
    const monkeyStart = Date.now();
    let nextKill = monkeyStart + profile.killEveryMs;
    let serverRestarted = false;
    // The receiver restart runs on its own clock: a worker restart blocking the loop must not stretch its downtime.
    const webhookRig = rig;
    const receiverRestart = sleep(profile.receiverRestart.atMs).then(async () => {
      await webhookRig.stop();
      await sleep(profile.receiverRestart.downMs);
      await webhookRig.start();
      actions.receiverRestarts += 1;
    });
    receiverRestart.catch(() => undefined);
    for (;;) {
      const now = Date.now() - monkeyStart;
      if (!second && actions.secondWorkerJoins === 0 && now >= profile.secondWorker.joinAtMs) {
        second = await spawnWorker();
        actions.secondWorkerJoins += 1;
      }
      if (second && now >= profile.secondWorker.leaveAtMs) {
        await retire(second, 'SIGTERM');
        second = undefined;
        actions.secondWorkerLeaves += 1;
      }
      if (!serverRestarted && now >= profile.serverRestartAtMs) {
        await env.teardown();
        await sleep(1_000);
        env = await startTestTemporal({ dbFilename, port });
        serverRestarted = true;
        actions.serverRestarts += 1;
      }
      if (Date.now() >= nextKill) {
        await retire(main, 'SIGKILL');
        actions.kills += 1;
        await sleep(1_000);
        main = await spawnWorker();
        actions.workerRestarts += 1;
        nextKill = Date.now() + profile.killEveryMs;
      }
      const settledPhase = serverRestarted && actions.secondWorkerLeaves > 0 && actions.kills > 0 && actions.receiverRestarts > 0;
      if (settledPhase && (await runningCount(env.client)) === 0) break;
      if (Date.now() - started > profile.timeoutMs) break;
      await sleep(500);
    }

    // Redeliveries to closed workflows and held-back copies settle within seconds (short schedule).
    await receiverRestart;
    const webhooks = await rig.collect(20_000);
    const outcomes = await Promise.all(
      outcomesInput.map(({ workflowId, withReference, webhooks: withWebhooks }) =>
        outcomeOf(env.client, workflowId, withReference, DEFAULT_SORA_MODEL, withWebhooks),
      ),
    );
    const runs = (await Promise.all(outcomesInput.map(({ workflowId }) => fetchAllRuns(env.client, workflowId)))).flat();
    return {
      profile,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      outcomes,
      stats: simulator.stats(),
      initialCredits: INITIAL_CREDITS,
      runs,
      workerLogs,
      webhooks,
      actions,
    };
  } finally {
    await rig?.close();
    await retire(second, 'SIGTERM');
    await retire(main, 'SIGTERM');
    await simulator.close();
    await env.teardown();
  }
}
