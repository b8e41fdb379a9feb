/**
 * The chaos suite's webhook invariants must be able to fail. First on a real run: the same small
 * scenario (forged and replayed copies from the simulator, real sockets, real dev server) through a
 * receiver whose signature check is switched off (test-only) must break both "0 forged accepted"
 * checks, and through the real receiver must keep them. Then each webhook invariant on a
 * deliberately broken copy of the real run's evidence: a forged payload or another task's event
 * written into a history, a forged copy answered 200, a receiver record naming the wrong workflow,
 * a result claiming the wrong completedBy, a delivery marked dropped whose workflow was signalled.
 * Bounded (< 60 s).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { tamperedEnvelope } from '../../simulator/webhooks/delivery-faults';
import type { WebhookVerifier } from '../../src/webhooks';
import type { WebhookEventSignal } from '../../workflows/generation/messages';
import type { ChaosEvidence } from './chaos-run';
import { acceptEveryDeliveryVerifier } from './fault-injection';
import { WEBHOOK_SIGNAL, webhookSignalsIn } from './history-evidence';
import { findInvariant, useNegativeScenarios, type NegativeRun } from './negative-scenario';
import {
  COMPLETED_BY,
  DROPPED,
  expectedSignal,
  FORGED_HISTORIES,
  FORGED_LEDGER,
  RECEIVER_AGREES,
  checkWebhookInvariants,
} from './webhook-invariants';
import type { RecordedRun } from '../helpers/histories';

const WORKFLOWS = 4;
/** One fault per event, in order: two forged copies (sent before the genuine one), two stale replays (after it). */
const SCRIPT = ['forged_signature', 'stale_replay', 'forged_signature', 'stale_replay'];

const scenarios = useNegativeScenarios();

function runScenario(name: string, safetyNetExpectedMs: number, verifier?: WebhookVerifier): Promise<NegativeRun> {
  return scenarios.run({
    name: `webhook-${name}`,
    workflows: WORKFLOWS,
    initialCredits: 1_000_000,
    simulator: {
      seed: 777,
      // Queued long enough that the workflow's RivyaTaskId is visible before the task ends, so the
      // forged copy (sent first) is routed rather than answered 409.
      timing: { queuedMs: [1_500, 1_500], processingMs: { default: [500, 500] } },
      webhooks: { allowLoopbackUrls: true, retryDelaysMs: [300, 1_000, 2_000, 3_000], faults: { script: SCRIPT } },
    } as never,
    input: (i) => ({
      prompt: `[sim:succeed] webhook negative ${name} #${i}`,
      polling: { expectedDurationMs: safetyNetExpectedMs, minIntervalMs: 500 },
      completion: { webhooks: true },
    }),
    webhooks: { verifier, collectWithinMs: 15_000 },
  });
}

const find = findInvariant;

let intact: Awaited<ReturnType<typeof runScenario>>;

test('with a receiver that takes every delivery as signed, both "0 forged accepted" checks fail; with the real receiver they hold', async () => {
  const [broken, real] = await Promise.all([
    // A forged copy that gets through takes the genuine event's id, so the inbox then drops the
    // genuine one as a duplicate: only the safety net (first check at 2 × 2 s) ends these runs.
    runScenario('broken', 2_000, acceptEveryDeliveryVerifier),
    // The safety net waits 20 min: within the test only webhooks end these runs.
    runScenario('intact', 600_000),
  ]);
  intact = real;
  const copies = (evidence: ChaosEvidence, kind: string) => evidence.webhooks.deliveries.filter((d) => d.kind === kind);

  // The faults fired in both runs (otherwise the comparison proves nothing).
  for (const { evidence } of [broken, real]) {
    expect(copies(evidence, 'forged').length).toBeGreaterThanOrEqual(1);
    expect(copies(evidence, 'stale-replay').length).toBeGreaterThanOrEqual(1);
  }

  // Broken: the simulator's ledger shows forged and replayed copies taken (2xx), and a forged payload sits in a history.
  expect(copies(broken.evidence, 'forged').some((d) => d.status === 200)).toBe(true);
  expect(copies(broken.evidence, 'stale-replay').some((d) => d.status === 200)).toBe(true);
  expect(broken.find(FORGED_LEDGER).passed).toBe(false);
  expect(broken.find(FORGED_LEDGER).detail).toMatch(/forged copy of evt_\w+ .* answered 200/);
  expect(broken.find(FORGED_LEDGER).detail).toMatch(/stale-replay copy of evt_\w+ .* answered 200/);
  expect(broken.find(FORGED_HISTORIES).passed).toBe(false);
  expect(broken.find(FORGED_HISTORIES).detail).toMatch(/differs from the genuine one in .*task\.status \("failed" vs "succeeded"\)/);

  // Intact: the same faults, every copy answered 401, only genuine events in histories, all completed by webhook.
  expect(copies(real.evidence, 'forged').every((d) => d.status === 401)).toBe(true);
  expect(copies(real.evidence, 'stale-replay').every((d) => d.status === 401)).toBe(true);
  expect(real.find(FORGED_LEDGER).passed).toBe(true);
  expect(real.find(FORGED_HISTORIES).passed).toBe(true);
  expect(real.evidence.outcomes.map((o) => o.result?.completedBy)).toEqual(Array(WORKFLOWS).fill('webhook'));
  expect(checkWebhookInvariants(real.evidence).filter((inv) => !inv.passed)).toEqual([]);
}, 60_000);

describe("each webhook invariant fails on a deliberately broken copy of the intact run's evidence", () => {
  const { EventType } = temporal.api.enums.v1;
  const check = (evidence: ChaosEvidence, name: string) => find(checkWebhookInvariants(evidence), name);
  /** A run like `run` with one more signal event carrying `payload` (the rest of its history untouched). */
  const withSignal = (run: RecordedRun, payload: WebhookEventSignal): RecordedRun => ({
    ...run,
    history: {
      events: [
        ...(run.history.events ?? []),
        {
          eventId: 10_000 as never,
          eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
          workflowExecutionSignaledEventAttributes: {
            signalName: WEBHOOK_SIGNAL,
            input: { payloads: [defaultPayloadConverter.toPayload(payload) as never] },
          },
        },
      ],
    },
  });
  const replaceRun = (evidence: ChaosEvidence, run: RecordedRun, replacement: RecordedRun): ChaosEvidence => ({
    ...evidence,
    runs: evidence.runs.map((r) => (r === run ? replacement : r)),
  });
  const genuineEventOf = (evidence: ChaosEvidence, workflowId: string) => {
    const taskId = evidence.stats.tasks.find((t) => t.clientRequestId === workflowId)!.id;
    return evidence.webhooks.events.find((e) => e.taskId === taskId)!;
  };

  beforeAll(() => {
    if (!intact) throw new Error('the real-run test above must run first');
    // The unbroken evidence passes every webhook invariant: each failure below is the mutation's doing.
    expect(checkWebhookInvariants(intact.evidence).filter((inv) => !inv.passed)).toEqual([]);
  });

  test('a forged payload (genuine event id, tampered data) in a history breaks "0 forged accepted (histories)"', () => {
    const run = intact.evidence.runs[0]!;
    const forged = expectedSignal(tamperedEnvelope(genuineEventOf(intact.evidence, run.workflowId).envelope));
    const result = check(replaceRun(intact.evidence, run, withSignal(run, forged)), FORGED_HISTORIES);
    expect(result.passed).toBe(false);
    expect(result.detail).toContain(`${run.workflowId} history event 10000`);
    expect(result.detail).toMatch(/task\.status \("failed" vs "succeeded"\)/);
  });

  test("another task's genuine event, or an event never published, in a history breaks it too", () => {
    const [run, other] = intact.evidence.runs;
    const foreign = expectedSignal(genuineEventOf(intact.evidence, other!.workflowId).envelope);
    const viaOther = check(replaceRun(intact.evidence, run!, withSignal(run!, foreign)), FORGED_HISTORIES);
    expect(viaOther.passed).toBe(false);
    expect(viaOther.detail).toMatch(/is about task task_\w+, the workflow's task is task_\w+/);
    const invented = check(replaceRun(intact.evidence, run!, withSignal(run!, { ...foreign, eventId: 'evt_invented' })), FORGED_HISTORIES);
    expect(invented.passed).toBe(false);
    expect(invented.detail).toContain('evt_invented was never published');
  });

  test('a forged or replayed copy answered 200 breaks "0 forged accepted (ledger)"', () => {
    for (const kind of ['forged', 'stale-replay']) {
      const deliveries = intact.evidence.webhooks.deliveries.map((d) => (d.kind === kind ? { ...d, status: 200 } : d));
      const result = check({ ...intact.evidence, webhooks: { ...intact.evidence.webhooks, deliveries } }, FORGED_LEDGER);
      expect(result.passed).toBe(false);
      expect(result.detail).toContain(`${kind} copy of evt_`);
    }
    // Unanswered (status 0) is excused only while the receiver was down.
    const unanswered = intact.evidence.webhooks.deliveries.map((d) => (d.kind === 'forged' ? { ...d, status: 0 } : d));
    expect(check({ ...intact.evidence, webhooks: { ...intact.evidence.webhooks, deliveries: unanswered } }, FORGED_LEDGER).passed).toBe(
      false,
    );
  });

  test('a receiver record naming a workflow whose history lacks that event, or a status the ledger never saw, breaks the receiver check', () => {
    const { webhooks } = intact.evidence;
    const signalled = webhooks.receiver.deliveries.findIndex((d) => d.outcome === 'signalled');
    const misrouted = webhooks.receiver.deliveries.map((d, i) => (i === signalled ? { ...d, workflowIds: ['someone-else'] } : d));
    const wrong = check(
      { ...intact.evidence, webhooks: { ...webhooks, receiver: { ...webhooks.receiver, deliveries: misrouted } } },
      RECEIVER_AGREES,
    );
    expect(wrong.passed).toBe(false);
    expect(wrong.detail).toContain('receiver signalled someone-else');
    const statusFlipped = webhooks.deliveries.map((d) => (d.kind === 'forged' ? { ...d, status: 200 } : d));
    const disagree = check({ ...intact.evidence, webhooks: { ...webhooks, deliveries: statusFlipped } }, RECEIVER_AGREES);
    expect(disagree.passed).toBe(false);
    expect(disagree.detail).toMatch(/status 401: ledger \d+, receiver \d+/);
  });

  test("a result claiming 'poll' where the history shows only a webhook breaks the completedBy check", () => {
    const outcomes = intact.evidence.outcomes.map((o, i) =>
      i === 0 ? { ...o, result: { ...o.result!, completedBy: 'poll' as const } } : o,
    );
    const result = check({ ...intact.evidence, outcomes }, COMPLETED_BY);
    expect(result.passed).toBe(false);
    expect(result.detail).toContain(`${intact.evidence.outcomes[0]!.workflowId}: only a webhook was seen first`);
  });

  test('a delivery marked dropped whose workflow was nevertheless signalled (and says webhook) breaks the dropped check', () => {
    const { webhooks } = intact.evidence;
    const target = webhooks.deliveries.find((d) => d.kind === 'genuine' && d.status === 200)!;
    const deliveries = webhooks.deliveries.map((d) => (d === target ? { ...d, fault: 'drop' as const } : d));
    const result = check({ ...intact.evidence, webhooks: { ...webhooks, deliveries } }, DROPPED);
    expect(result.passed).toBe(false);
    expect(result.detail).toMatch(/delivery dropped, yet \d+ webhook signal\(s\) in its history/);
    expect(result.detail).toMatch(/delivery dropped, result says completedBy webhook/);
    expect(webhookSignalsIn(intact.evidence.runs[0]!).length).toBeGreaterThan(0);
  });
});
