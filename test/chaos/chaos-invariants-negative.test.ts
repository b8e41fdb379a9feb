/**
 * The chaos invariants must be able to fail. This records the idempotency break the chaos suite
 * caught: with the test-only switch on (a NEW Idempotency-Key on every attempt of the paid create)
 * and lost responses on createGeneration, the invariants must report duplicate tasks per workflow
 * id and a double charge; the same scenario with the switch off must keep both. Bounded (< 60 s).
 */
import { useNegativeScenarios, type NegativeRun } from './negative-scenario';
import { FAST_POLLING } from '../helpers/stack';

const WORKFLOWS = 8;
const ONE_TASK = 'exactly one task per workflow id';
const CREDITS = "credits match the workflows' reports";

const scenarios = useNegativeScenarios();

/** A small chaos-like run: lost responses on the paid create, 20 % failed tasks. */
async function runScenario(name: string, breakIdempotency: boolean) {
  const run: NegativeRun = await scenarios.run({
    name,
    breakIdempotency,
    workflows: WORKFLOWS,
    initialCredits: 10_000,
    simulator: { seed: 424242, failureRate: 0.2, faults: { createGeneration: { rates: { lost_response: 0.35 } } } } as never,
    input: (i) => ({ prompt: `negative ${name} #${i}`, polling: FAST_POLLING }),
    // Let orphan tasks (created under a lost response) reach their terminal state in the ledger.
    settleMs: 1_000,
  });
  const lost = run.evidence.stats.counters.createGeneration?.faults.lost_response ?? 0;
  return { lost, oneTask: run.find(ONE_TASK, 'prefix'), credits: run.find(CREDITS, 'prefix'), evidence: run.evidence };
}

test('with a new Idempotency-Key per attempt, the invariants catch duplicate tasks and the double charge; with the real key they hold', async () => {
  const [broken, intact] = await Promise.all([runScenario('broken', true), runScenario('intact', false)]);

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
