/**
 * The shape of a benchmark run's results: what bench/run.ts measures and writes to
 * bench/results/*.json, and what bench/report.ts renders into BENCHMARKS.md. Its own module so the
 * runner and the report both import it and neither imports the other.
 */
import type { PolicyResult, runLongTask, runOverhead, runThroughput, ScalingResult, WorkerCostResult } from './scenarios';

export interface BenchMode {
  name: 'quick' | 'full';
  generationsPerPolicy: number;
  /** Rounds of the policy comparison per distribution, pooled (more samples at the same load). */
  comparisonRounds: number;
  timeScale: number;
  distributions: string[];
  costGenerations: number;
  costTaskSeconds: number;
  overheadGenerations: number;
  throughputGenerations: number;
  scalingLevels: number[];
  /** Also measure this level with a bounded sticky cache (memory against replay CPU). */
  scalingCacheLimited?: { inFlight: number; maxCachedWorkflows: number };
  scalingWindowMs: number;
}

export type BenchResults = {
  mode: BenchMode;
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  policies: PolicyResult[];
  workerCost: WorkerCostResult[];
  overhead: Awaited<ReturnType<typeof runOverhead>> | undefined;
  throughput: Awaited<ReturnType<typeof runThroughput>> | undefined;
  longTask: Awaited<ReturnType<typeof runLongTask>> | undefined;
  scaling: ScalingResult[];
};
