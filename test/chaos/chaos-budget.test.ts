/**
 * Chaos for the account budget: single generations ('wait' and 'fail') and a batch whose children
 * carry the same budget name, all leasing from one budget whose cap is SMALLER than what they ask
 * in total, against the simulator with the chaos profile's HTTP faults (lost create responses,
 * 5xx, 429s, resets) while the worker process is SIGKILLed and restarted. An operator tops the
 * budget up midway. The invariants (budget-invariants.ts) are read from the simulator's ledger:
 * the credits Rivya holds for these runs never pass the cap as it stood, whatever the budget says.
 * CI profile (default) well under 2 minutes; RIVYA_CLUSTER_TESTS=1 is not needed: dev server only.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { getSora2Budget, setSora2BudgetCap, startSora2Batch, startSora2Generation, topUpSora2Budget } from '../../src';
import { priceOf } from '../../src/contract/models';
import type { RivyaSimulator } from '../../simulator/index';
import { spawnWorkerProcess, type WorkerProcess } from '../../tools/testing/worker-process';
import type { Sora2GenerationInput } from '../../workflows/generation/input';
import { BUDGET_INVARIANTS, checkBudgetInvariants, type BudgetChaosEvidence } from './budget-invariants';
import { CHAOS_FAULTS } from './profiles';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';
import { startTestTemporal } from '../helpers/temporal-env';

const TASK_QUEUE = 'chaos-budget';
const PRICE = priceOf('sora-2');
const SINGLES = 14;
const BATCH_ITEMS = 8;
const CAP = 8 * PRICE;
const TOP_UP = 4 * PRICE;
const TOP_UP_AT_MS = 20_000;
const KILL_EVERY_MS = 9_000;
const MAX_KILLS = 3;
/** 'wait' runs give up here (GenerationTimedOut, nothing paid) if no credits came back. */
const DEADLINE_MS = 45_000;
const TIMEOUT_MS = 100_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function input(i: number, name: string, whenExhausted: 'wait' | 'fail'): Sora2GenerationInput {
  return {
    prompt: `${i % 4 === 1 ? '[sim:fail]' : '[sim:succeed]'} budget chaos #${i}: a kite over dunes`,
    polling: { firstCheckAfterMs: 500, minIntervalMs: 500, maxIntervalMs: 2_000, expectedDurationMs: 2_000, deadlineMs: DEADLINE_MS },
    completion: { webhooks: false },
    accountBudget: { name, whenExhausted },
  };
}

async function closedOutcome(client: Client, workflowId: string): Promise<string> {
  const { status } = await client.workflow.getHandle(workflowId).describe();
  return status.name;
}

test(
  `budget chaos: ${SINGLES} generations and a ${BATCH_ITEMS}-item batch against a cap of ${CAP} (+${TOP_UP}) < ${(SINGLES + BATCH_ITEMS) * PRICE} asked, faults and SIGKILLs: never over the cap at Rivya`,
  async () => {
    const started = Date.now();
    let env: TestWorkflowEnvironment | undefined;
    let simulator: RivyaSimulator | undefined;
    let worker: WorkerProcess | undefined;
    try {
      env = await startTestTemporal();
      simulator = await startTestSimulator({
        seed: 20261207,
        initialCredits: 1_000_000,
        failureRate: 0,
        timing: { queuedMs: [200, 500], processingMs: { default: [800, 2_000] } },
        faults: CHAOS_FAULTS as never,
      });
      const sim = simulator;
      const client = env.client;
      const temporalAddress = env.address;
      const spawn = () => spawnWorkerProcess({ temporalAddress, taskQueue: TASK_QUEUE, rivyaBaseUrl: sim.url, apiKey: TEST_API_KEY });
      worker = await spawn();
      const name = `chaos-${started}`;
      await setSora2BudgetCap(client, name, CAP, { taskQueue: TASK_QUEUE });
      const capSteps: BudgetChaosEvidence['capSteps'] = [[0, CAP]];

      const singles: WorkflowHandle[] = await Promise.all(
        Array.from({ length: SINGLES }, (_, i) =>
          startSora2Generation(client, input(i, name, i % 2 === 0 ? 'wait' : 'fail'), {
            workflowId: `chaos-budget-${started}-${i}`,
            taskQueue: TASK_QUEUE,
          }),
        ),
      );
      const batchId = `chaos-budget-batch-${started}`;
      const { accountBudget, polling, completion } = input(100, name, 'fail');
      const batch = await startSora2Batch(
        client,
        {
          items: Array.from({ length: BATCH_ITEMS }, (_, i) => ({ prompt: input(100 + i, name, 'fail').prompt })),
          defaults: { accountBudget, polling, completion },
          concurrency: 4,
          onFailure: 'continue',
        },
        { batchId, taskQueue: TASK_QUEUE },
      );

      // The chaos: SIGKILL the worker on a clock (restarted at once), top the budget up midway.
      let kills = 0;
      let toppedUp = false;
      let nextKill = Date.now() + KILL_EVERY_MS;
      const ids = [...singles.map((h) => h.workflowId), batchId];
      while (Date.now() - started < TIMEOUT_MS) {
        const open = await Promise.all(ids.map((id) => closedOutcome(client, id)));
        if (open.every((status) => status !== 'RUNNING')) break;
        if (!toppedUp && Date.now() - started >= TOP_UP_AT_MS) {
          // Counted from before the Update: a task created after this may use the higher cap.
          capSteps.push([Date.now(), CAP + TOP_UP]);
          await topUpSora2Budget(client, name, TOP_UP);
          toppedUp = true;
        }
        if (kills < MAX_KILLS && Date.now() >= nextKill) {
          await worker.kill('SIGKILL');
          worker = await spawn();
          kills += 1;
          nextKill = Date.now() + KILL_EVERY_MS;
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
      const evidence: BudgetChaosEvidence = {
        capSteps,
        ledger: sim.store.ledger.map((entry) => ({ ...entry })),
        books,
        stillRunning,
      };
      const invariants = checkBudgetInvariants(evidence);
      const stats = sim.stats();
      const createFaults = Object.values(stats.counters.createGeneration?.faults ?? {}).reduce((a, b) => a + b, 0);
      const count = (what: string) => endings.filter((e) => e === what).length;
      console.log(
        `budget chaos: ${SINGLES} singles (${count('succeeded')} succeeded, ${count('BudgetExceeded')} refused, ${count('GenerationTimedOut')} waited out, ${count('GenerationFailed')} failed tasks), ` +
          `batch ${JSON.stringify(batchResult.counts)}; ${stats.tasks.length} Rivya tasks; ${kills} SIGKILLs; create faults ${JSON.stringify(stats.counters.createGeneration?.faults ?? {})}; ` +
          `books ${JSON.stringify({ cap: books.cap, spent: books.spent, held: books.held, run: books.run })} in ${((Date.now() - started) / 1000).toFixed(0)} s\n` +
          invariants.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n'),
      );

      // The chaos happened, and the cap was really pressed on: refusals, faults, kills.
      expect(kills).toBeGreaterThanOrEqual(2);
      expect(createFaults).toBeGreaterThan(0);
      expect(toppedUp).toBe(true);
      const refusedOrWaitedOut = count('BudgetExceeded') + count('GenerationTimedOut') + (batchResult.counts.failed ?? 0);
      expect(count('BudgetExceeded')).toBeGreaterThan(0);
      expect(refusedOrWaitedOut).toBeGreaterThan(0);
      expect(stats.tasks.length).toBeLessThan(SINGLES + BATCH_ITEMS);
      expect(invariants.map((inv) => inv.name)).toEqual(Object.values(BUDGET_INVARIANTS));
      expect(invariants.filter((inv) => !inv.passed)).toEqual([]);
    } finally {
      await worker?.kill('SIGTERM');
      await simulator?.close();
      await env?.teardown();
    }
  },
  TIMEOUT_MS + 60_000,
);
