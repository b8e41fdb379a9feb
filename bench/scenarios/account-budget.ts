/**
 * The account budget's cost (workflows/budget/): the extra latency it adds to one generation (the
 * lease before the create, the commit after it, the settle at the end — each an activity and an
 * Update), and its throughput ceiling: how many leases per second one budget workflow grants when
 * many ask at once through the lease activity's own code path (update-with-start, retried with
 * back-off when Temporal answers "too many in-flight updates").
 */
import { setSora2BudgetCap } from '../../src/client/budget';
import { startSora2Generation } from '../../src/client/helpers';
import { makeBudgetActivities } from '../../activities/budget-lease';
import { mapWithLimit, type BenchEnvironment } from '../environment';
import { percentile, round } from '../stats';
import { sleep } from './shared';

export interface AccountBudgetSettings {
  /** Pairs of generations (one with a budget, one without) started together. */
  generations: number;
  /** Leases (each released right after) asked at once against one budget. */
  leases: number;
  concurrency: number;
}

export interface AccountBudgetResult {
  generations: number;
  plainP50S: number;
  budgetedP50S: number;
  /** Median of the pairwise differences (budgeted − plain), seconds. */
  extraLatencyP50S: number;
  extraLatencyP95S: number;
  leases: number;
  concurrency: number;
  leaseSeconds: number;
  leasesPerSecond: number;
  /** Lease + release round trips: p50 / p95 ms, and the asks the server turned away (in-flight limit, aborted) before they got through. */
  leaseP50Ms: number;
  leaseP95Ms: number;
  retriedAsks: number;
}

export async function runAccountBudget(bench: BenchEnvironment, settings: AccountBudgetSettings): Promise<AccountBudgetResult> {
  await bench.resetSimulator({
    seed: 11,
    initialCredits: 1e9,
    timing: { queuedMs: [500, 500], processingMs: { default: [1_500, 1_500] }, timeScale: 1 },
  });
  const started = Date.now();
  const name = `bench-${started}`;
  await setSora2BudgetCap(bench.client, name, 1_000_000_000, { taskQueue: bench.taskQueue });
  const polling = { firstCheckAfterMs: 500, minIntervalMs: 500, maxIntervalMs: 500, jitterFraction: 0, style: 'timer' as const };
  const timed = async (workflowId: string, budgeted: boolean) => {
    const t0 = Date.now();
    const handle = await startSora2Generation(
      bench.client,
      {
        prompt: '[sim:succeed] budget latency',
        polling,
        completion: { webhooks: false },
        searchAttributes: false,
        ...(budgeted ? { accountBudget: { name } } : {}),
      },
      { workflowId, taskQueue: bench.taskQueue },
    );
    await handle.result();
    return (Date.now() - t0) / 1000;
  };
  const pairs = await mapWithLimit(
    Array.from({ length: settings.generations }, (_, i) => i),
    5,
    async (i) => {
      const [plain, budgeted] = await Promise.all([
        timed(`budget-plain-${started}-${i}`, false),
        timed(`budget-leased-${started}-${i}`, true),
      ]);
      return { plain, budgeted };
    },
  );
  const differences = pairs.map((p) => p.budgeted - p.plain);

  // The ceiling: the lease activity's code, run here with the bench's client, against one budget.
  const { rivyaBudgetLease, rivyaBudgetSettle } = makeBudgetActivities({ client: () => bench.client, taskQueue: bench.taskQueue });
  let retriedAsks = 0;
  const roundTrips: number[] = [];
  const leaseStarted = Date.now();
  await mapWithLimit(
    Array.from({ length: settings.leases }, (_, i) => i),
    settings.concurrency,
    async (i) => {
      const leaseId = `bench-lease-${started}-${i}`;
      const t0 = performance.now();
      for (let attempt = 1; ; attempt += 1) {
        try {
          await rivyaBudgetLease({ budget: name, leaseId, credits: 6, model: 'sora-2', whenExhausted: 'fail' });
          break;
        } catch {
          // As the activity's retry policy would: back off and ask again (idempotent by lease id).
          retriedAsks += 1;
          await sleep(Math.min(100 * 2 ** attempt, 2_000) * (0.5 + Math.random()));
        }
      }
      for (let attempt = 1; ; attempt += 1) {
        try {
          await rivyaBudgetSettle({ budget: name, leaseId, action: 'released' });
          break;
        } catch {
          retriedAsks += 1;
          await sleep(Math.min(100 * 2 ** attempt, 2_000) * (0.5 + Math.random()));
        }
      }
      roundTrips.push(performance.now() - t0);
    },
  );
  const leaseSeconds = (Date.now() - leaseStarted) / 1000;
  return {
    generations: settings.generations,
    plainP50S: round(
      percentile(
        pairs.map((p) => p.plain),
        50,
      ),
      2,
    ),
    budgetedP50S: round(
      percentile(
        pairs.map((p) => p.budgeted),
        50,
      ),
      2,
    ),
    extraLatencyP50S: round(percentile(differences, 50), 2),
    extraLatencyP95S: round(percentile(differences, 95), 2),
    leases: settings.leases,
    concurrency: settings.concurrency,
    leaseSeconds: round(leaseSeconds, 1),
    leasesPerSecond: round(settings.leases / leaseSeconds, 1),
    leaseP50Ms: Math.round(percentile(roundTrips, 50)),
    leaseP95Ms: Math.round(percentile(roundTrips, 95)),
    retriedAsks,
  };
}
