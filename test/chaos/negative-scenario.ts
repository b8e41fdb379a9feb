/**
 * The scaffold of the "invariants must be able to fail" tests: a real dev server for the file, and
 * per scenario a fresh simulator, a worker with the real activities (optionally broken, test-only),
 * a few generations run to their end, and the chaos evidence of that run checked by the same
 * invariants as the chaos suite. Each test file then says only what it breaks and what must fail.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { RivyaSimulator, StartSimulatorOptions } from '../../simulator/index';
import { startSora2Generation } from '../../src/client/helpers';
import { DEFAULT_SORA_MODEL } from '../../src/contract/models';
import type { Sora2GenerationInput } from '../../src';
import type { WebhookVerifier } from '../../src/webhooks';
import { noActions, outcomeOf, type ChaosEvidence } from './chaos-run';
import type { InvariantResult } from './check';
import { bundleFixtureWorkflows, createFaultInjectedWorker } from './fault-injection';
import { checkInvariants } from './invariants';
import { CHAOS_PROFILES } from './profiles';
import { emptyWebhookEvidence, startWebhookRig } from './webhook-rig';
import { fetchAllRuns } from '../helpers/histories';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';
import { startTestTemporal } from '../helpers/temporal-env';

export interface NegativeScenario {
  name: string;
  simulator: StartSimulatorOptions;
  initialCredits: number;
  workflows: number;
  input(i: number): Sora2GenerationInput;
  /** The test-only break: a new Idempotency-Key on every attempt of the paid create. */
  breakIdempotency?: boolean;
  /** Webhooks through a receiver rig (with this verifier; the real one when unset), collected for this long. */
  webhooks?: { verifier?: WebhookVerifier; collectWithinMs: number };
  /** Waited after the runs end, before the evidence is read (orphan tasks reaching the ledger). */
  settleMs?: number;
}

export interface NegativeRun {
  evidence: ChaosEvidence;
  invariants: InvariantResult[];
  /** The invariant with this name; throws when there is none (a renamed invariant must not pass silently). */
  find(name: string, match?: 'exact' | 'prefix'): InvariantResult;
}

export interface NegativeScenarios {
  run(scenario: NegativeScenario): Promise<NegativeRun>;
}

/** The dev server for the file (and cleanup of every scenario after it); call it at the top of the file. */
export function useNegativeScenarios(): NegativeScenarios {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    env = await startTestTemporal();
  }, 60_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await env?.teardown();
  });

  async function run(scenario: NegativeScenario): Promise<NegativeRun> {
    if (!env) throw new Error('no dev server: useNegativeScenarios() must be called at the top of the file');
    const client = env.client;
    const simulator: RivyaSimulator = await startTestSimulator({ ...scenario.simulator, initialCredits: scenario.initialCredits });
    cleanups.push(() => simulator.close());
    const rig = scenario.webhooks
      ? await startWebhookRig({ simulator, temporalAddress: env.address, verifier: scenario.webhooks.verifier })
      : undefined;
    if (rig) cleanups.push(() => rig.close());
    const taskQueue = `negative-${scenario.name}-${process.pid}`;
    const worker = await createFaultInjectedWorker({
      connection: env.nativeConnection,
      taskQueue,
      apiKey: TEST_API_KEY,
      rivyaBaseUrl: simulator.url,
      breakIdempotency: scenario.breakIdempotency ?? false,
      workflowBundle: await (bundle ??= bundleFixtureWorkflows()),
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const started = Date.now();
    const ids = Array.from({ length: scenario.workflows }, (_, i) => `negative-${scenario.name}-${started}-${i}`);
    const handles = await Promise.all(
      ids.map((workflowId, i) => startSora2Generation(client, scenario.input(i), { workflowId, taskQueue })),
    );
    await Promise.all(handles.map((h) => h.result().catch(() => undefined)));
    if (scenario.settleMs) await new Promise((resolve) => setTimeout(resolve, scenario.settleMs));
    const webhooks = rig ? await rig.collect(scenario.webhooks!.collectWithinMs) : emptyWebhookEvidence();
    const evidence: ChaosEvidence = {
      profile: { ...CHAOS_PROFILES.ci, workflows: scenario.workflows },
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      outcomes: await Promise.all(ids.map((id) => outcomeOf(client, id, false, DEFAULT_SORA_MODEL, rig !== undefined))),
      stats: simulator.stats(),
      initialCredits: scenario.initialCredits,
      runs: (await Promise.all(ids.map((id) => fetchAllRuns(client, id)))).flat(),
      workerLogs: [],
      webhooks,
      actions: noActions(),
    };
    const invariants = checkInvariants(evidence);
    console.log(
      `${scenario.name}: ${evidence.stats.tasks.length} tasks for ${scenario.workflows} workflows\n` +
        invariants.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n'),
    );
    return { evidence, invariants, find: (name, match = 'exact') => findInvariant(invariants, name, match) };
  }
  return { run };
}

export function findInvariant(invariants: InvariantResult[], name: string, match: 'exact' | 'prefix' = 'exact'): InvariantResult {
  const found = invariants.find((inv) => (match === 'exact' ? inv.name === name : inv.name.startsWith(name)));
  if (!found) throw new Error(`no invariant named ${name}`);
  return found;
}
