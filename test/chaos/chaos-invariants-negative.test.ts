/**
 * The chaos invariants must be able to fail. This records the idempotency break the chaos suite
 * caught: with the test-only switch on (a NEW Idempotency-Key on every attempt of the paid create)
 * and lost responses on createGeneration, the invariants must report duplicate tasks per workflow
 * id and a double charge; the same scenario with the switch off must keep both. Bounded (< 60 s).
 */
import type { RivyaSimulator } from '../../simulator/index';
import { startSora2Generation } from '../../src/client/helpers';
import { DEFAULT_SORA_MODEL } from '../../src/contract/models';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { noActions, outcomeOf, type ChaosEvidence } from './chaos-run';
import { bundleFixtureWorkflows, createFaultInjectedWorker } from './fault-injection';
import { checkInvariants, type InvariantResult } from './invariants';
import { CHAOS_PROFILES } from './profiles';
import { emptyWebhookEvidence } from './webhook-rig';
import { fetchAllRuns } from '../helpers/histories';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';
import { FAST_POLLING } from '../helpers/stack';
import { startTestTemporal } from '../helpers/temporal-env';

const WORKFLOWS = 8;
const INITIAL_CREDITS = 10_000;
const ONE_TASK = 'exactly one task per workflow id';
const CREDITS = "credits match the workflows' reports";

let env: TestWorkflowEnvironment;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  env = await startTestTemporal();
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await env?.teardown();
});

/** A small chaos-like run: lost responses on the paid create, 20 % failed tasks. */
async function runScenario(name: string, breakIdempotency: boolean, bundle: Awaited<ReturnType<typeof bundleFixtureWorkflows>>) {
  const simulator: RivyaSimulator = await startTestSimulator({
    seed: 424242,
    initialCredits: INITIAL_CREDITS,
    failureRate: 0.2,
    faults: { createGeneration: { rates: { lost_response: 0.35 } } } as never,
  });
  cleanups.push(() => simulator.close());
  const taskQueue = `negative-${name}-${process.pid}`;
  const worker: Worker = await createFaultInjectedWorker({
    connection: env.nativeConnection,
    taskQueue,
    apiKey: TEST_API_KEY,
    rivyaBaseUrl: simulator.url,
    breakIdempotency,
    workflowBundle: bundle,
  });
  const running = worker.run();
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const started = Date.now();
  const ids = Array.from({ length: WORKFLOWS }, (_, i) => `negative-${name}-${started}-${i}`);
  const handles = await Promise.all(
    ids.map((workflowId, i) =>
      startSora2Generation(env.client, { prompt: `negative ${name} #${i}`, polling: FAST_POLLING }, { workflowId, taskQueue }),
    ),
  );
  await Promise.all(handles.map((h) => h.result().catch(() => undefined)));
  // Let orphan tasks (created under a lost response) reach their terminal state in the ledger.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const evidence: ChaosEvidence = {
    profile: { ...CHAOS_PROFILES.ci, workflows: WORKFLOWS },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcomes: await Promise.all(ids.map((id) => outcomeOf(env.client, id, false, DEFAULT_SORA_MODEL))),
    stats: simulator.stats(),
    initialCredits: INITIAL_CREDITS,
    runs: (await Promise.all(ids.map((id) => fetchAllRuns(env.client, id)))).flat(),
    workerLogs: [],
    webhooks: emptyWebhookEvidence(),
    actions: noActions(),
  };
  const invariants = checkInvariants(evidence);
  const find = (prefix: string): InvariantResult => invariants.find((inv) => inv.name.startsWith(prefix))!;
  const lost = evidence.stats.counters.createGeneration?.faults.lost_response ?? 0;
  console.log(
    `${name}: ${lost} lost create responses, ${evidence.stats.tasks.length} tasks for ${WORKFLOWS} workflows\n` +
      invariants.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n'),
  );
  return { lost, oneTask: find(ONE_TASK), credits: find(CREDITS), evidence };
}

test('with a new Idempotency-Key per attempt, the invariants catch duplicate tasks and the double charge; with the real key they hold', async () => {
  const bundle = await bundleFixtureWorkflows();
  const [broken, intact] = await Promise.all([runScenario('broken', true, bundle), runScenario('intact', false, bundle)]);

  // The faults fired in both scenarios (otherwise the comparison proves nothing).
  expect(broken.lost).toBeGreaterThan(0);
  expect(intact.lost).toBeGreaterThan(0);

  expect(broken.oneTask.passed).toBe(false);
  expect(broken.evidence.stats.tasks.length).toBeGreaterThan(WORKFLOWS);
  expect(broken.credits.passed).toBe(false);
  expect(broken.credits.detail).toMatch(/reserved: ledger \d+ ≠ \d+ expected/);

  expect(intact.oneTask.passed).toBe(true);
  expect(intact.credits.passed).toBe(true);
}, 60_000);
