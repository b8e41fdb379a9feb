/**
 * The shape of a benchmark run's results: what bench/run.ts measures and writes to
 * bench/results/*.json, and what bench/report.ts renders into BENCHMARKS.md. Its own module so the
 * runner and the report both import it and neither imports the other.
 */
import type { ServerScalingResult } from './cluster-scaling';
import type { EntryLoadResult, EntryLoadSettings } from './entry-load';
import type { GitStamp } from './git-stamp';
import type { BatchBenchResult, BatchBenchSettings, SaveThroughputResult, SaveThroughputSettings } from './pipelines';
import type { DurationDistribution } from './scenarios/distributions';
import type { LongTaskResult } from './scenarios/long-task';
import type { OverheadResult } from './scenarios/overhead';
import type { PolicyResult } from './scenarios/policy-comparison';
import type { ProbeResults } from './scenarios/probes';
import type { ScalingResult } from './scenarios/scaling';
import type { ThroughputResult } from './scenarios/throughput';
import type { AccountBudgetResult, AccountBudgetSettings } from './scenarios/account-budget';
import type { WorkerCostResult } from './scenarios/worker-cost';

export interface BenchMode {
  name: 'quick' | 'full';
  generationsPerPolicy: number;
  /** Rounds of the policy comparison per distribution, pooled (more samples at the same load). */
  comparisonRounds: number;
  timeScale: number;
  distributions: string[];
  /** Per distribution: fewer generations, fewer rounds or a stronger compression (long and slow distributions). */
  distributionOverrides?: Record<string, { generationsPerPolicy?: number; timeScale?: number; rounds?: number }>;
  /** Worker-cost generations per policy per round; the policy order rotates every round. */
  costGenerations: number;
  /** The policies measured in the worker-cost phase (names from bench/policies.ts); omitted: all. */
  costPolicies?: string[];
  costRounds?: number;
  costTaskSeconds: number;
  overheadGenerations: number;
  throughputGenerations: number;
  /** The account budget's extra latency per generation and its leases-per-second ceiling (scenarios/account-budget.ts). */
  accountBudget?: AccountBudgetSettings;
  scalingLevels: number[];
  /** Also measure this level with a bounded sticky cache (memory against replay CPU). */
  scalingCacheLimited?: { inFlight: number; maxCachedWorkflows: number };
  /** With webhooks on: this many in flight, once per worker cache size ('SDK default' or a bound). */
  scalingWebhooks?: { inFlight: number; caches: Array<number | 'SDK default' | 'plugin default'> };
  /** Compression of the 30-minute task (both wait styles). */
  longTaskTimeScale?: number;
  scalingWindowMs: number;
  /** Pipelines: one batch size (items, concurrency, fixed task time, rounds) and the save-throughput comparison. */
  batch?: BatchBenchSettings;
  saveThroughput?: SaveThroughputSettings;
  /** Timer-resolution probe: sequential timers per requested delay. */
  probeTimerRepeats?: number;
  /** Continue-as-new probe: stop at this history length if the server never suggests it. */
  probeContinueAsNewMaxEvents?: number; /** The main entry's load against @temporalio/client's (bench/entry-load.ts): rounds of fresh processes. */
  entryLoad?: EntryLoadSettings;
}

export type BenchResults = {
  mode: BenchMode;
  startedAt: string;
  durationS: number;
  /** The commit the figures were measured at (and whether the tree was dirty). */
  commit?: GitStamp;
  /** The distributions as run (their parameters; the report describes them from these). */
  distributionsUsed?: DurationDistribution[];
  /** What the dev server measured as: timer durations, continue-as-new suggestion. */
  probes?: ProbeResults;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  policies: PolicyResult[];
  workerCost: WorkerCostResult[];
  overhead: OverheadResult | undefined;
  throughput: ThroughputResult | undefined;
  accountBudget?: AccountBudgetResult;
  longTask: LongTaskResult | undefined;
  /** The same 30-minute task on today's timer loop (results written before the retry form: absent). */
  longTaskTimer?: LongTaskResult;
  scaling: ScalingResult[];
  /** `--scaling-only --server dev|cluster`: the same levels on the dev server and on PostgreSQL (bench/cluster-scaling.ts). */
  serverScaling?: ServerScalingResult[];
  /** Which receiver the webhook rows ran through. */
  webhookReceiver?: string;
  /** The receiver's outcomes over the whole run (signalled, not-yet-visible, closed, …) and the deliveries the bench filter kept from it. */
  webhookOutcomes?: { byOutcome: Record<string, number>; filtered: number };
  /** Pipelines (bench/pipelines.ts): the batch against its ideal, and saving against a plain stream. */
  batch?: BatchBenchResult;
  saveThroughput?: SaveThroughputResult;
  /** The commit the pipeline rows were measured at (they may be re-measured alone: `--pipelines-only`). */
  pipelinesCommit?: GitStamp;
  /** The main entry's require time and packages against @temporalio/client's (bench/entry-load.ts). */
  entryLoad?: EntryLoadResult;
  /** The commit the entry-load rows were measured at (they may be re-measured alone: `--entry-load-only`). */
  entryLoadCommit?: GitStamp;
  /** Set when the overhead was re-measured alone (`--overhead-only`): its own commit. */
  overheadCommit?: GitStamp;
  /** Every phase: the estimate printed at start and the time it took (s). */
  phases?: PhaseTiming[];
};

export interface PhaseTiming {
  phase: string;
  estimatedS: number;
  actualS?: number;
}
