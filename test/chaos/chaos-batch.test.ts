/**
 * Chaos for the batch workflow: one sora2Batch of 500 items (CHAOS_PROFILE=full, `npm run
 * test:chaos`) or 40 (the default `ci` profile, part of `npm test`) at a concurrency cap, under a
 * budget exactly enough for every item at its price, with `[sim:fail]` items (refunded) and
 * onFailure 'continue', against the simulator with the chaos profile's HTTP faults on create and
 * status (5xx, 429s, resets, lost responses, latency), while the worker process is SIGKILLed and
 * restarted every few seconds and right after continue-as-new (maxChildrenPerRun is low, so the
 * batch continues as new several times). The children poll (completion by webhook is the plain
 * chaos suite's ground). The invariants (test/chaos/batch-invariants.ts) are read from the
 * simulator's ledger and the server's runs of the batch, never from the batch's word alone.
 */
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSora2Batch } from '../../src/client/helpers';
import { priceOf, type SoraModel } from '../../src/contract/models';
import type { RivyaSimulator } from '../../simulator/index';
import { spawnWorkerProcess, type WorkerProcess } from '../../tools/testing/worker-process';
import type { sora2Batch } from '../../workflows/batch/sora2-batch';
import { childWorkflowId, type Sora2BatchItem } from '../../workflows/batch/input';
import { BATCH_INVARIANTS, checkBatchInvariants, type BatchChaosEvidence, type SubmittedItem } from './batch-invariants';
import { maxCommitted, maxInFlight } from '../../bench/pipelines';
import { writeBatchChaosSection } from './batch-report';
import { CHAOS_FAULTS } from './profiles';
import { fetchAllRuns, fetchRunsOf, type RecordedRun } from '../helpers/histories';
import { startTestSimulator, TEST_API_KEY } from '../helpers/simulator';
import { startTestTemporal } from '../helpers/temporal-env';

interface BatchChaosProfile {
  name: 'ci' | 'full';
  items: number;
  concurrency: number;
  maxChildrenPerRun: number;
  /** SIGKILL the worker this long after the last kill, then start a new one. */
  killEveryMs: number;
  /** Also SIGKILL it as soon as the batch's Nth run appears (1 = the first continue-as-new). */
  killAfterContinueAsNew: number[];
  /** Simulated task time: queued, then processing. */
  timing: { queuedMs: [number, number]; processingMs: [number, number] };
  timeoutMs: number;
  maxEventsPerRun: number;
  minContinueAsNew: number;
  minKills: number;
  /** No more kills than this: each costs the items it caught up to an activity timeout (20-60 s). */
  maxKills: number;
}

const PROFILES: Record<BatchChaosProfile['name'], BatchChaosProfile> = {
  ci: {
    name: 'ci',
    items: 40,
    concurrency: 10,
    maxChildrenPerRun: 8,
    killEveryMs: 15_000,
    killAfterContinueAsNew: [2],
    timing: { queuedMs: [200, 500], processingMs: [500, 1_500] },
    timeoutMs: 110_000,
    maxEventsPerRun: 10_000,
    minContinueAsNew: 4,
    minKills: 2,
    maxKills: 2,
  },
  full: {
    name: 'full',
    items: 500,
    concurrency: 25,
    maxChildrenPerRun: 100,
    killEveryMs: 20_000,
    killAfterContinueAsNew: [1, 3],
    timing: { queuedMs: [500, 1_500], processingMs: [1_500, 5_000] },
    timeoutMs: 1_500_000,
    maxEventsPerRun: 10_000,
    minContinueAsNew: 4,
    minKills: 5,
    maxKills: 1_000,
  },
};

const profileName = (process.env.CHAOS_PROFILE ?? 'ci') as BatchChaosProfile['name'];
const profile = PROFILES[profileName];
if (!profile) throw new Error(`unknown CHAOS_PROFILE ${profileName}`);

const TASK_QUEUE = 'chaos-batch';
const INITIAL_CREDITS = 1_000_000;
/** Every tenth item is told to fail (refunded); every 25th runs on the pro model (another price). */
const forcedFail = (i: number) => i % 10 === 3;
const modelOf = (i: number): SoraModel => (i % 25 === 7 ? 'sora-2-pro' : 'sora-2');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface KillRecord {
  /** Why: on the clock, or right after the batch's nth run appeared. */
  reason: 'periodic' | 'after-continue-as-new';
  /** For after-continue-as-new: ms between the new run's start and the SIGKILL. */
  msAfterRunStart?: number;
}

/** Kills the worker on its clock and right after the chosen continue-as-new, until the batch closes. */
async function chaosMonkey(
  client: Client,
  batchId: string,
  worker: { kill(): Promise<number> },
  started: number,
  deadline: number,
): Promise<{ kills: KillRecord[]; runsSeen: number; timeline: string[] }> {
  const kills: KillRecord[] = [];
  /** What happened when (s since the test started): each run seen, each kill, the batch's close. */
  const timeline: string[] = [];
  const mark = (what: string) => timeline.push(`${what} @${((Date.now() - started) / 1000).toFixed(1)}s`);
  let lastRunId: string | undefined;
  let runsSeen = 0;
  let nextKill = Date.now() + profile.killEveryMs;
  while (Date.now() < deadline) {
    const description = await client.workflow
      .getHandle(batchId)
      .describe()
      .catch(() => undefined);
    if (description && description.status.name !== 'RUNNING') {
      mark('closed');
      break;
    }
    if (description && description.runId !== lastRunId) {
      lastRunId = description.runId;
      runsSeen += 1;
      mark(`run ${runsSeen}`);
      if (profile.killAfterContinueAsNew.includes(runsSeen - 1)) {
        const killedAt = await worker.kill();
        kills.push({ reason: 'after-continue-as-new', msAfterRunStart: killedAt - description.startTime.getTime() });
        mark('kill (after continue-as-new)');
        nextKill = Date.now() + profile.killEveryMs;
      }
    } else if (Date.now() >= nextKill && kills.length < profile.maxKills) {
      await worker.kill();
      kills.push({ reason: 'periodic' });
      mark('kill');
      nextKill = Date.now() + profile.killEveryMs;
    }
    await sleep(200);
  }
  return { kills, runsSeen, timeline };
}

/**
 * Per activity type, the attempts that ended by start-to-close timeout before the one recorded: an
 * attempt lost with a killed worker is only retried once that timeout has passed. (Only the last
 * attempt's start is in history, so this counts the timeouts right before a final attempt.)
 */
function attemptsLostToTimeouts(runs: readonly RecordedRun[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const run of runs) {
    const events = run.history.events ?? [];
    const typeOf = new Map(
      events.flatMap((event) => {
        const scheduled = event.activityTaskScheduledEventAttributes;
        return scheduled ? [[String(event.eventId), scheduled.activityType?.name ?? '?'] as const] : [];
      }),
    );
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (!started?.lastFailure?.timeoutFailureInfo) continue;
      const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
      counts[type] = (counts[type] ?? 0) + 1;
    }
  }
  return counts;
}

function eventSeconds(run: RecordedRun, index: number): number {
  const time = run.history.events?.[index]?.eventTime;
  return Number(time?.seconds ?? 0) + (time?.nanos ?? 0) / 1e9;
}

/** How long a run lasted, from its first event to its last (s). */
function runSeconds(run: RecordedRun): number {
  return Math.round((eventSeconds(run, (run.history.events?.length ?? 1) - 1) - eventSeconds(run, 0)) * 10) / 10;
}

test(
  `batch chaos (${profile.name}: ${profile.items} items at concurrency ${profile.concurrency}, an exact budget, [sim:fail] items, faults, SIGKILLs incl. right after continue-as-new) keeps every invariant`,
  async () => {
    const started = Date.now();
    let env: TestWorkflowEnvironment | undefined;
    let simulator: RivyaSimulator | undefined;
    let worker: WorkerProcess | undefined;
    try {
      env = await startTestTemporal();
      simulator = await startTestSimulator({
        seed: 20261207,
        initialCredits: INITIAL_CREDITS,
        // Only the [sim:fail] items fail: every other outcome is a success, so each item's end is known.
        failureRate: 0,
        timing: { queuedMs: profile.timing.queuedMs, processingMs: { default: profile.timing.processingMs } },
        faults: CHAOS_FAULTS as never,
      });
      const sim = simulator;
      const temporalAddress = env.address;
      const spawn = () => spawnWorkerProcess({ temporalAddress, taskQueue: TASK_QUEUE, rivyaBaseUrl: sim.url, apiKey: TEST_API_KEY });
      worker = await spawn();
      // Killed and restarted in one step, so the batch is never left without a worker for long.
      const restartable = {
        kill: async () => {
          await worker!.kill('SIGKILL');
          const killedAt = Date.now();
          worker = await spawn();
          return killedAt;
        },
      };

      const submitted: SubmittedItem[] = [];
      const items: Sora2BatchItem[] = Array.from({ length: profile.items }, (_, i) => {
        const model = modelOf(i);
        submitted.push({ key: String(i), price: priceOf(model), forcedFail: forcedFail(i) });
        return {
          prompt: `${forcedFail(i) ? '[sim:fail]' : '[sim:succeed]'} chaos batch item #${i}: a heron over a flooded field`,
          model,
        };
      });
      const budget = submitted.reduce((sum, item) => sum + item.price, 0);
      const batchId = `chaos-batch-${started}`;
      const walletBefore = sim.stats().wallets.acct_primary!;
      const handle: WorkflowHandle<typeof sora2Batch> = await startSora2Batch(
        env.client,
        {
          items,
          defaults: {
            polling: {
              firstCheckAfterMs: 500,
              minIntervalMs: 500,
              maxIntervalMs: 2_000,
              expectedDurationMs: 3_000,
              deadlineMs: profile.timeoutMs * 2,
            },
            completion: { webhooks: false },
          },
          budget,
          concurrency: profile.concurrency,
          onFailure: 'continue',
          maxChildrenPerRun: profile.maxChildrenPerRun,
        },
        { batchId, taskQueue: TASK_QUEUE },
      );
      const monkey = await chaosMonkey(env.client, batchId, restartable, started, started + profile.timeoutMs);
      const result = await handle.result();
      const durationMs = Date.now() - started;

      const evidence: BatchChaosEvidence = {
        batchId,
        items: submitted,
        budget,
        concurrency: profile.concurrency,
        result,
        tasks: [...sim.store.tasks.values()].map((task) => ({ ...task })),
        ledger: sim.store.ledger.map((entry) => ({ ...entry })),
        wallet: { before: walletBefore, after: sim.stats().wallets.acct_primary! },
        // Oldest first, so the report reads in order.
        runs: (await fetchAllRuns(env.client, batchId)).sort((a, b) => eventSeconds(a, 0) - eventSeconds(b, 0)),
        childRuns: await fetchRunsOf(
          env.client,
          submitted.map((item) => childWorkflowId(batchId, item.key)),
        ),
        maxEventsPerRun: profile.maxEventsPerRun,
        minContinueAsNew: profile.minContinueAsNew,
      };
      const invariants = checkBatchInvariants(evidence);
      const stats = sim.stats();
      const faults = (endpoint: string) => Object.values(stats.counters[endpoint]?.faults ?? {}).reduce((a, b) => a + b, 0);
      const afterCan = monkey.kills.filter((kill) => kill.reason === 'after-continue-as-new');
      console.log(
        `batch chaos ${profile.name}: ${profile.items} items in ${(durationMs / 1000).toFixed(0)} s; ${evidence.tasks.length} tasks; ` +
          `${monkey.kills.length} kills (${afterCan.length} right after continue-as-new, ${afterCan.map((k) => k.msAfterRunStart).join(', ')} ms after the run's start); ` +
          `${result.continuedAsNew} continue-as-new, ${evidence.runs.length} runs of ${evidence.runs.map((run) => run.history.events?.length ?? 0).join(', ')} events; ` +
          `peak ${maxCommitted(evidence.tasks)} of ${budget} credits held, peak ${maxInFlight(evidence.tasks)} of ${profile.concurrency} in flight; ` +
          `faults: create ${JSON.stringify(stats.counters.createGeneration?.faults ?? {})}, status ${JSON.stringify(stats.counters.getGeneration?.faults ?? {})}\n` +
          `  timeline: ${monkey.timeline.join(', ')}; runs lasted ${evidence.runs.map(runSeconds).join(', ')} s; ` +
          `activity attempts lost to a killed worker (start-to-close timeouts): ${JSON.stringify(attemptsLostToTimeouts(evidence.runs))}\n` +
          invariants.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n'),
      );

      if (profile.name === 'full') {
        // CHAOS_REPORT_PATH: preview elsewhere without touching RELIABILITY.md (as test/chaos/chaos.test.ts).
        writeBatchChaosSection(process.env.CHAOS_REPORT_PATH ?? join(__dirname, '..', '..', 'RELIABILITY.md'), {
          setup: [
            `${profile.items} items (every 10th told to fail, every 25th on sora-2-pro) at concurrency ${profile.concurrency}, onFailure continue, ${profile.maxChildrenPerRun} children per run before continue-as-new`,
            `budget exactly enough for every item at its price: ${budget} credits`,
            `the chaos profile's HTTP faults on create and status; simulated tasks queued ${profile.timing.queuedMs.join('–')} ms, processing ${profile.timing.processingMs.join('–')} ms; children poll`,
            `the worker process SIGKILLed every ${profile.killEveryMs / 1000} s and right after continue-as-new number ${profile.killAfterContinueAsNew.join(' and ')}, restarted at once`,
          ],
          observed: [
            `${result.counts.succeeded} succeeded, ${result.counts.failed} failed, ${result.counts.cancelled} cancelled, ${result.counts.skipped} skipped of ${result.counts.total} in ${(durationMs / 1000).toFixed(0)} s; ${evidence.tasks.length} Rivya tasks`,
            `${monkey.kills.length} SIGKILLs (${afterCan.length} right after continue-as-new, ${afterCan.map((k) => k.msAfterRunStart).join(', ')} ms after the run's start)`,
            `${result.continuedAsNew} continue-as-new: ${evidence.runs.length} runs, at most ${Math.max(...evidence.runs.map((run) => run.history.events?.length ?? 0))} events in one`,
            `peak ${maxCommitted(evidence.tasks)} of ${budget} credits held, peak ${maxInFlight(evidence.tasks)} of ${profile.concurrency} tasks in flight (simulator ledger)`,
            `faults injected: create ${faults('createGeneration')}, status ${faults('getGeneration')}`,
          ],
          invariants,
        });
      }

      // The chaos happened (otherwise the invariants held over nothing).
      expect(monkey.kills.length).toBeGreaterThanOrEqual(profile.minKills);
      expect(afterCan.length).toBeGreaterThanOrEqual(1);
      expect(faults('createGeneration')).toBeGreaterThan(0);
      expect(faults('getGeneration')).toBeGreaterThan(0);
      expect(result.counts.failed).toBeGreaterThan(0);
      expect(result.counts.succeeded).toBeGreaterThan(0);
      // The cap was really pressed on, not just never approached.
      expect(maxInFlight(evidence.tasks)).toBeGreaterThanOrEqual(Math.ceil(profile.concurrency / 2));
      expect(invariants.map((inv) => inv.name.split(':')[0])).toEqual(Object.values(BATCH_INVARIANTS));
      expect(invariants.filter((inv) => !inv.passed)).toEqual([]);
    } finally {
      await worker?.kill('SIGTERM');
      await simulator?.close();
      await env?.teardown();
    }
  },
  profile.timeoutMs + 120_000,
);
