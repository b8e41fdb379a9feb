/**
 * The chaos invariants must be able to fail. This records the idempotency break the chaos suite
 * caught: with the test-only switch on (a NEW Idempotency-Key on every attempt of the paid create)
 * and lost responses on createGeneration, the invariants must report duplicate tasks per workflow
 * id and a double charge; the same scenario with the switch off must keep both. Then every other
 * core invariant on a deliberately broken copy of the intact run's evidence: a run left open, an
 * outcome that is not the simulator's, a non-determinism failure in a history, a compensation on a
 * generation that succeeded, the API key in a worker log. Bounded (< 60 s).
 */
import { temporal } from '@temporalio/proto';
import type { ChaosEvidence } from './chaos-run';
import { checkInvariants } from './invariants';
import { useNegativeScenarios, type NegativeRun } from './negative-scenario';
import { TEST_API_KEY } from '../helpers/simulator';
import { FAST_POLLING } from '../helpers/stack';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

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

  // Each remaining invariant holds on the intact evidence and fails on a copy broken for it alone.
  const verdict = (evidence: ChaosEvidence, prefix: string) => checkInvariants(evidence).find((inv) => inv.name.startsWith(prefix))!;
  const honest = intact.evidence;
  const copy = (): ChaosEvidence => structuredClone(honest);
  const succeeded = honest.outcomes.findIndex((o) => o.status === 'COMPLETED');
  expect(succeeded).toBeGreaterThanOrEqual(0);
  const succeededId = honest.outcomes[succeeded]!.workflowId;
  const historyOf = (evidence: ChaosEvidence, workflowId: string) => evidence.runs.find((run) => run.workflowId === workflowId)!.history;
  // Event ids are Longs in the proto types; the invariants read them through Number(), so a number serves.
  const nextEventId = (history: temporal.api.history.v1.IHistory) => (Number(history.events?.at(-1)?.eventId ?? 0) + 1) as never;

  const doctored: Array<[string, (evidence: ChaosEvidence) => void]> = [
    ['every workflow reached a terminal state', (e) => void (e.outcomes[succeeded]!.status = 'RUNNING')],
    ["each workflow's outcome matches", (e) => void (e.outcomes[succeeded]!.result!.taskId = 'task-of-someone-else')],
    [
      'no non-determinism errors',
      (e) => {
        const history = historyOf(e, succeededId);
        history.events!.push({
          eventId: nextEventId(history),
          eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          workflowTaskFailedEventAttributes: { cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR },
        });
      },
    ],
    [
      'compensations ran exactly for the failed generations',
      (e) => {
        const history = historyOf(e, succeededId);
        history.events!.push({
          eventId: nextEventId(history),
          eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
          activityTaskScheduledEventAttributes: { activityType: { name: 'rivyaReconcileCredits' } },
        });
      },
    ],
    ['the API key appears in no history', (e) => void e.workerLogs.push(`request failed: Authorization: Bearer ${TEST_API_KEY}`)],
  ];
  for (const [prefix, breakIt] of doctored) {
    expect({ prefix, passed: verdict(honest, prefix)?.passed }).toEqual({ prefix, passed: true });
    const broken = copy();
    breakIt(broken);
    expect({ prefix, passed: verdict(broken, prefix).passed }).toEqual({ prefix, passed: false });
  }
}, 60_000);
