/**
 * The shape of a benchmark run's results: what bench/run.ts measures and writes to
 * bench/results/*.json, and what bench/report.ts renders into BENCHMARKS.md. Its own module so the
 * runner and the report both import it and neither imports the other.
 */
import type { GitStamp } from './git-stamp';
import type {
  DurationDistribution,
  PolicyResult,
  ProbeResults,
  runLongTask,
  runOverhead,
  runThroughput,
  ScalingResult,
  WorkerCostResult,
} from './scenarios';

export interface BenchMode {
  name: 'quick' | 'full';
  generationsPerPolicy: number;
  /** Rounds of the policy comparison per distribution, pooled (more samples at the same load). */
  comparisonRounds: number;
  timeScale: number;
  distributions: string[];
  /** Per distribution: fewer generations or a stronger compression (quick mode keeps the untuned ones tiny). */
  distributionOverrides?: Record<string, { generationsPerPolicy?: number; timeScale?: number }>;
  /** Worker-cost generations per policy per round; the policy order rotates every round. */
  costGenerations: number;
  costRounds?: number;
  costTaskSeconds: number;
  overheadGenerations: number;
  throughputGenerations: number;
  scalingLevels: number[];
  /** Also measure this level with a bounded sticky cache (memory against replay CPU). */
  scalingCacheLimited?: { inFlight: number; maxCachedWorkflows: number };
  scalingWindowMs: number;
  /** Timer-resolution probe: sequential timers per requested delay. */
  probeTimerRepeats?: number;
  /** Continue-as-new probe: stop at this history length if the server never suggests it. */
  probeContinueAsNewMaxEvents?: number;
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
  overhead: Awaited<ReturnType<typeof runOverhead>> | undefined;
  throughput: Awaited<ReturnType<typeof runThroughput>> | undefined;
  longTask: Awaited<ReturnType<typeof runLongTask>> | undefined;
  scaling: ScalingResult[];
};
