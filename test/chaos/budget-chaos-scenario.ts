/**
 * The account-budget chaos scenario, run on whatever Temporal the caller brings (the dev server in
 * test/chaos/, the PostgreSQL-backed cluster in test/cluster/): single generations ('wait' and
 * 'fail') and a batch whose children carry the same budget name, all leasing from one budget whose
 * cap is SMALLER than what they ask in total, against a simulator with the chaos profile's HTTP
 * faults (lost create responses, 5xx, 429s, resets) while the worker process is SIGKILLed and
 * restarted. An operator tops the budget up midway; the caller may add its own fault (the cluster
 * kills the Temporal server). The invariants (budget-invariants.ts) are read from the simulator's
 * ledger: the credits Rivya holds for these runs never pass the cap as it stood.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { getSora2Budget, setSora2BudgetCap, startSora2Batch, startSora2Generation, topUpSora2Budget } from '../../src';
import { priceOf } from '../../src/contract/models';
import type { RivyaSimulator, SimulatorStats } from '../../simulator/index';
import { spawnWorkerProcess, type WorkerProcess } from '../../tools/testing/worker-process';
import type { Sora2GenerationInput } from '../../workflows/generation/input';
import type { Sora2BatchResult } from '../../workflows/batch/state';
import { BUDGET_INVARIANTS, checkBudgetInvariants, type BudgetChaosEvidence } from './budget-invariants';
import type { InvariantResult } from './check';
import { CHAOS_FAULTS } from './profiles';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';

const PRICE = priceOf('sora-2');
export const BUDGET_CHAOS = {
  singles: 14,
  batchItems: 8,
  cap: 8 * PRICE,
  topUp: 4 * PRICE,
  // Early and close together: a run whose waiting generations find credits from refunds can end in
  // ~10 s, and chaos after the last generation closed would prove nothing.
  topUpAtMs: 6_000,
  killEveryMs: 3_000,
  maxKills: 3,
  /** 'wait' runs give up here (GenerationTimedOut, nothing paid) if no credits came back. */
  deadlineMs: 45_000,
} as const;
const asked = (BUDGET_CHAOS.singles + BUDGET_CHAOS.batchItems) * PRICE;
export const BUDGET_CHAOS_TITLE = `${BUDGET_CHAOS.singles} generations and a ${BUDGET_CHAOS.batchItems}-item batch against a cap of ${BUDGET_CHAOS.cap} (+${BUDGET_CHAOS.topUp}) < ${asked} asked, faults and SIGKILLs: never over the cap at Rivya`;

/** The simulator the scenario needs: chaos faults, short tasks, credits enough that only the budget refuses. */
export function startBudgetChaosSimulator(): Promise<RivyaSimulator> {
  return startTestSimulator({
    seed: 20261207,
    initialCredits: 1_000_000,
    failureRate: 0,
    timing: { queuedMs: [200, 500], processingMs: { default: [1_500, 3_000] } },
    faults: CHAOS_FAULTS as never,
  });
}

export interface BudgetChaosRig {
  client: Client;
  temporalAddress: string;
  simulator: RivyaSimulator;
  taskQueue: string;
  /** How long the chaos may run before the outcome is read. */
  timeoutMs: number;
  /** One more fault at a moment of the run (the cluster SIGKILLs and restarts its Temporal server). */
  extraFault?: { atMs: number; inject: () => Promise<void> };
}

export interface BudgetChaosOutcome {
  invariants: InvariantResult[];
  evidence: BudgetChaosEvidence;
  endings: string[];
  batchResult: Sora2BatchResult;
  stats: SimulatorStats;
  kills: number;
  toppedUp: boolean;
  extraFaultInjected: boolean;
  createFaults: number;
}

function input(i: number, name: string, whenExhausted: 'wait' | 'fail'): Sora2GenerationInput {
  return {
    prompt: `${i % 4 === 1 ? '[sim:fail]' : '[sim:succeed]'} budget chaos #${i}: a kite over dunes`,
    polling: {
      firstCheckAfterMs: 500,
      minIntervalMs: 500,
      maxIntervalMs: 2_000,
      expectedDurationMs: 2_000,
      deadlineMs: BUDGET_CHAOS.deadlineMs,
    },
    completion: { webhooks: false },
    accountBudget: { name, whenExhausted },
  };
}

async function closedOutcome(client: Client, workflowId: string): Promise<string> {
  const { status } = await client.workflow.getHandle(workflowId).describe();
  return status.name;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runBudgetChaos(rig: BudgetChaosRig): Promise<BudgetChaosOutcome> {
  const { client, simulator: sim, taskQueue } = rig;
  const started = Date.now();
  const spawn = () => spawnWorkerProcess({ temporalAddress: rig.temporalAddress, taskQueue, rivyaBaseUrl: sim.url, apiKey: TEST_API_KEY });
  let worker: WorkerProcess = await spawn();
  try {
    const name = `chaos-${started}`;
    await setSora2BudgetCap(client, name, BUDGET_CHAOS.cap, { taskQueue });
    const capSteps: BudgetChaosEvidence['capSteps'] = [[0, BUDGET_CHAOS.cap]];

    const singles: WorkflowHandle[] = await Promise.all(
      Array.from({ length: BUDGET_CHAOS.singles }, (_, i) =>
        startSora2Generation(client, input(i, name, i % 2 === 0 ? 'wait' : 'fail'), {
          workflowId: `chaos-budget-${started}-${i}`,
          taskQueue,
        }),
      ),
    );
    const batchId = `chaos-budget-batch-${started}`;
    const { accountBudget, polling, completion } = input(100, name, 'fail');
    const batch = await startSora2Batch(
      client,
      {
        items: Array.from({ length: BUDGET_CHAOS.batchItems }, (_, i) => ({ prompt: input(100 + i, name, 'fail').prompt })),
        defaults: { accountBudget, polling, completion },
        concurrency: 4,
        onFailure: 'continue',
      },
      { batchId, taskQueue },
    );

    // The chaos: SIGKILL the worker on a clock (restarted at once), top the budget up midway.
    let kills = 0;
    let toppedUp = false;
    let extraFaultInjected = false;
    let nextKill = Date.now() + BUDGET_CHAOS.killEveryMs;
    const ids = [...singles.map((h) => h.workflowId), batchId];
    while (Date.now() - started < rig.timeoutMs) {
      const open = await Promise.all(ids.map((id) => closedOutcome(client, id)));
      if (open.every((status) => status !== 'RUNNING')) break;
      if (!toppedUp && Date.now() - started >= BUDGET_CHAOS.topUpAtMs) {
        // Counted from before the Update: a task created after this may use the higher cap.
        capSteps.push([Date.now(), BUDGET_CHAOS.cap + BUDGET_CHAOS.topUp]);
        await topUpSora2Budget(client, name, BUDGET_CHAOS.topUp);
        toppedUp = true;
      }
      if (rig.extraFault && !extraFaultInjected && Date.now() - started >= rig.extraFault.atMs) {
        await rig.extraFault.inject();
        extraFaultInjected = true;
      }
      if (kills < BUDGET_CHAOS.maxKills && Date.now() >= nextKill) {
        await worker.kill('SIGKILL');
        worker = await spawn();
        kills += 1;
        nextKill = Date.now() + BUDGET_CHAOS.killEveryMs;
      }
      await sleep(300);
    }

    const endings = await Promise.all(
      singles.map((h) =>
        h.result().then(
          () => 'succeeded',
          (err: { cause?: { type?: string } }) => err.cause?.type ?? 'failed',
        ),
      ),
    );
    const batchResult = await batch.result();
    const books = (await getSora2Budget(client, name))!;
    const stillRunning = (await Promise.all(ids.map(async (id) => [id, await closedOutcome(client, id)] as const)))
      .filter(([, status]) => status === 'RUNNING')
      .map(([id]) => id);
    const evidence: BudgetChaosEvidence = { capSteps, ledger: sim.store.ledger.map((entry) => ({ ...entry })), books, stillRunning };
    const stats = sim.stats();
    const outcome: BudgetChaosOutcome = {
      invariants: checkBudgetInvariants(evidence),
      evidence,
      endings,
      batchResult,
      stats,
      kills,
      toppedUp,
      extraFaultInjected,
      createFaults: Object.values(stats.counters.createGeneration?.faults ?? {}).reduce((a, b) => a + b, 0),
    };
    console.log(describeOutcome(outcome, Date.now() - started));
    return outcome;
  } finally {
    await worker.kill('SIGTERM');
  }
}

const countOf = (outcome: BudgetChaosOutcome, what: string) => outcome.endings.filter((e) => e === what).length;

function describeOutcome(o: BudgetChaosOutcome, elapsedMs: number): string {
  const count = (what: string) => countOf(o, what);
  const { books } = o.evidence;
  return (
    `budget chaos: ${BUDGET_CHAOS.singles} singles (${count('succeeded')} succeeded, ${count('BudgetExceeded')} refused, ${count('GenerationTimedOut')} waited out, ${count('GenerationFailed')} failed tasks), ` +
    `batch ${JSON.stringify(o.batchResult.counts)}; ${o.stats.tasks.length} Rivya tasks; ${o.kills} SIGKILLs${o.extraFaultInjected ? ' + the extra fault' : ''}; create faults ${JSON.stringify(o.stats.counters.createGeneration?.faults ?? {})}; ` +
    `books ${JSON.stringify({ cap: books.cap, spent: books.spent, held: books.held })} in ${(elapsedMs / 1000).toFixed(0)} s\n` +
    o.invariants.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n')
  );
}

/** What every run must show: the chaos happened, the cap was really pressed on, and every invariant held. */
export function expectBudgetChaosHeld(o: BudgetChaosOutcome): void {
  expect(o.kills).toBeGreaterThanOrEqual(2);
  expect(o.createFaults).toBeGreaterThan(0);
  expect(o.toppedUp).toBe(true);
  const refusedOrWaitedOut = countOf(o, 'BudgetExceeded') + countOf(o, 'GenerationTimedOut') + (o.batchResult.counts.failed ?? 0);
  expect(countOf(o, 'BudgetExceeded')).toBeGreaterThan(0);
  expect(refusedOrWaitedOut).toBeGreaterThan(0);
  expect(o.stats.tasks.length).toBeLessThan(BUDGET_CHAOS.singles + BUDGET_CHAOS.batchItems);
  expect(o.invariants.map((inv) => inv.name)).toEqual(Object.values(BUDGET_INVARIANTS));
  expect(o.invariants.filter((inv) => !inv.passed)).toEqual([]);
}
