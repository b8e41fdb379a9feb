/**
 * `npm run bench` (full) / `npm run bench:quick` (CI smoke): every measurement in one run, on the
 * embedded stack, written to bench/results/<time>.json and rendered into BENCHMARKS.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startBenchEnvironment } from './environment';
import { POLICIES } from './policies';
import { writeBenchmarkReport } from './report';
import type { BenchMode, BenchResults } from './result-types';
import { gitStamp } from './git-stamp';
import {
  DISTRIBUTIONS,
  runLongTask,
  runProbes,
  runOverhead,
  runPolicyComparison,
  runScaling,
  runThroughput,
  runWorkerCost,
  type ScalingResult,
} from './scenarios';

const MODES: Record<BenchMode['name'], BenchMode> = {
  quick: {
    name: 'quick',
    generationsPerPolicy: 10,
    comparisonRounds: 1,
    timeScale: 0.25,
    distributions: ['typical', 'fast-4x', 'slow-4x'],
    // The untuned distributions stay tiny here: a smoke run, not a measurement.
    distributionOverrides: { 'fast-4x': { generationsPerPolicy: 3 }, 'slow-4x': { generationsPerPolicy: 3, timeScale: 0.05 } },
    costGenerations: 5,
    costRounds: 2,
    costTaskSeconds: 10,
    overheadGenerations: 10,
    throughputGenerations: 100,
    scalingLevels: [100],
    scalingWindowMs: 8_000,
    probeTimerRepeats: 3,
  },
  full: {
    name: 'full',
    generationsPerPolicy: 40,
    comparisonRounds: 3,
    timeScale: 0.5,
    distributions: ['typical', 'long-tail', 'fast-4x', 'slow-4x'],
    costGenerations: 10,
    costRounds: 4,
    costTaskSeconds: 30,
    overheadGenerations: 30,
    throughputGenerations: 1_000,
    scalingLevels: [100, 1_000, 5_000],
    scalingCacheLimited: { inFlight: 1_000, maxCachedWorkflows: 250 },
    scalingWindowMs: 30_000,
    probeTimerRepeats: 10,
    probeContinueAsNewMaxEvents: 12_000,
  },
};

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/**
 * `--scaling-only`: re-measure just the in-flight scaling levels into the newest full results file
 * (the scaling phase alone takes many minutes at 5,000 in flight).
 */
function newestFullResults(root: string): { dir: string; latest: string; results: BenchResults } {
  const dir = join(root, 'bench', 'results');
  const latest = readdirSync(dir)
    .filter((file) => file.endsWith('-full.json'))
    .sort()
    .pop();
  if (!latest) throw new Error('no full results: run `npm run bench` first');
  return { dir, latest, results: JSON.parse(readFileSync(join(dir, latest), 'utf8')) as BenchResults };
}

async function rerunScaling(root: string): Promise<void> {
  const { dir, latest, results } = newestFullResults(root);
  results.scaling = [];
  results.mode.scalingCacheLimited ??= MODES.full.scalingCacheLimited;
  await measureScaling(results.mode, results.scaling, () => {
    writeFileSync(join(dir, latest), JSON.stringify(results, null, 2));
    writeBenchmarkReport(root, results);
  });
  log(`scaling updated in ${latest}, BENCHMARKS.md`);
}

/** Every scaling level on a fresh stack, then the cache-limited level; persisted after each. */
async function measureScaling(mode: BenchMode, into: ScalingResult[], persist: () => void): Promise<void> {
  for (const inFlight of mode.scalingLevels) {
    log(`scaling: ${inFlight} in flight`);
    into.push(await runScaling(inFlight, mode.scalingWindowMs));
    persist();
  }
  if (mode.scalingCacheLimited) {
    const { inFlight, maxCachedWorkflows } = mode.scalingCacheLimited;
    log(`scaling: ${inFlight} in flight, at most ${maxCachedWorkflows} cached workflows`);
    into.push(await runScaling(inFlight, mode.scalingWindowMs, maxCachedWorkflows));
    persist();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--scaling-only')) return rerunScaling(join(__dirname, '..', '..'));
  if (process.argv.includes('--report-only')) {
    // Re-render BENCHMARKS.md and the chart from the newest full results, measuring nothing.
    const root = join(__dirname, '..', '..');
    writeBenchmarkReport(root, newestFullResults(root).results);
    return;
  }
  const mode = MODES[(process.argv.includes('--quick') ? 'quick' : 'full') as BenchMode['name']];
  const started = Date.now();
  log(`mode ${mode.name}`);
  const results: BenchResults = {
    mode,
    startedAt: new Date(started).toISOString(),
    durationS: 0,
    commit: gitStamp(join(__dirname, '..', '..')),
    distributionsUsed: DISTRIBUTIONS.filter((d) => mode.distributions.includes(d.name)),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: process.platform,
    },
    policies: [],
    workerCost: [],
    overhead: undefined,
    throughput: undefined,
    longTask: undefined,
    scaling: [],
  };
  const root = join(__dirname, '..', '..');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const jsonPath = join(root, 'bench', 'results', `${results.startedAt.replace(/[:.]/g, '-')}-${mode.name}.json`);
  // Written after every phase: a run stopped part-way still leaves its data and report behind.
  const persist = () => {
    results.durationS = Math.round((Date.now() - started) / 1000);
    writeFileSync(jsonPath, JSON.stringify(results, null, 2));
    writeBenchmarkReport(root, results);
  };

  const bench = await startBenchEnvironment();
  try {
    // Results files are never deleted: every kept full run is listed in BENCHMARKS.md.
    log('probes: timer resolution, continue-as-new suggestion');
    results.probes = await runProbes(bench, {
      timerRepeats: mode.probeTimerRepeats ?? 3,
      continueAsNewMaxEvents: mode.probeContinueAsNewMaxEvents,
    });
    persist();
    for (const distribution of DISTRIBUTIONS.filter((d) => mode.distributions.includes(d.name))) {
      const override = mode.distributionOverrides?.[distribution.name] ?? {};
      const generations = override.generationsPerPolicy ?? mode.generationsPerPolicy;
      log(`all policies at once on ${distribution.name} (${mode.comparisonRounds} × ${generations} generations each)`);
      results.policies.push(
        ...(await runPolicyComparison(bench, distribution, generations, override.timeScale ?? mode.timeScale, mode.comparisonRounds)),
      );
      persist();
    }
    results.workerCost = await runWorkerCost(bench, POLICIES, mode.costGenerations, mode.costRounds ?? 1, mode.costTaskSeconds, log);
    log('orchestration overhead');
    results.overhead = await runOverhead(bench, mode.overheadGenerations);
    log('throughput');
    results.throughput = await runThroughput(bench, mode.throughputGenerations);
    log('30-minute task');
    results.longTask = await runLongTask(bench, mode.name === 'quick' ? 0.005 : 0.01, results.probes.continueAsNew);
    persist();
  } finally {
    await bench.close();
  }
  await measureScaling(mode, results.scaling, persist);
  log(`done in ${results.durationS}s: ${jsonPath}, BENCHMARKS.md`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
