/**
 * `npm run bench` (full) / `npm run bench:quick` (CI smoke): every measurement in one run, on the
 * embedded stack, written to bench/results/<time>.json and rendered into BENCHMARKS.md.
 *
 * The full run is sized to finish within ~60 minutes on a 2-core machine (the burst start, run
 * twice at the 2 s poller's undistorted scale, is ~9 of them): the long and slow
 * distributions run at a stronger compression (0.25, the strongest at which the compared
 * schedules' 4.5 s / 5 s waits stay above the 1 s input floor; the frontier's 2 s poller is raised
 * to 4 s there, which the report's compression notes say) and with only the policies that add
 * information there; an estimate per phase is printed at start and kept beside the real time.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { rerunServerScaling, serverArgument } from './cluster-run';
import { runEntryLoad } from './entry-load';
import { startBenchEnvironment, type BenchEnvironment } from './environment';
import { FIXED_5S_POLICY, POLICIES, policiesFor, RETRIES_POLICY, TIMER_POLICY, WEBHOOKS_POLICY } from './policies';
import { writeBenchmarkReport } from './report';
import type { BenchMode, BenchResults, PhaseTiming } from './result-types';
import { gitStamp } from './git-stamp';
import { runBatchBench, runSaveThroughput } from './pipelines';
import { DISTRIBUTIONS, type DurationDistribution } from './scenarios/distributions';
import { runLongTask } from './scenarios/long-task';
import { runOverhead } from './scenarios/overhead';
import { runPolicyComparison } from './scenarios/policy-comparison';
import { runProbes } from './scenarios/probes';
import { runScaling, type ScalingResult } from './scenarios/scaling';
import { runThroughput } from './scenarios/throughput';
import { runAccountBudget } from './scenarios/account-budget';
import { runWorkerCost } from './scenarios/worker-cost';

/** The worker-cost phase measures the wait forms and one fixed poller, in both modes. */
const COST_POLICIES = [RETRIES_POLICY, TIMER_POLICY, WEBHOOKS_POLICY, FIXED_5S_POLICY];

export const MODES: Record<BenchMode['name'], BenchMode> = {
  quick: {
    name: 'quick',
    // A smoke run that touches every row at a tiny scale, not a measurement.
    generationsPerPolicy: 4,
    comparisonRounds: 1,
    timeScale: 0.12,
    distributions: ['typical', 'fast-4x', 'slow-4x', 'burst'],
    distributionOverrides: {
      'fast-4x': { generationsPerPolicy: 3, timeScale: 0.25 },
      'slow-4x': { generationsPerPolicy: 3, timeScale: 0.03 },
      // Two short rounds (~11 s each): a fresh worker, then the warm one (every poller is floored at this scale).
      burst: { generationsPerPolicy: 3, timeScale: 0.03, rounds: 2 },
    },
    costGenerations: 3,
    costRounds: 1,
    costTaskSeconds: 5,
    costPolicies: COST_POLICIES,
    overheadGenerations: 10,
    throughputGenerations: 100,
    accountBudget: { generations: 4, leases: 100, concurrency: 20 },
    scalingLevels: [100],
    scalingWebhooks: { inFlight: 100, caches: [20] },
    scalingWindowMs: 5_000,
    probeTimerRepeats: 3,
    longTaskTimeScale: 0.005,
    batch: { items: 60, concurrency: 10, taskSeconds: 1, rounds: 1 },
    saveThroughput: { megabytes: 16, repeats: 2 },
    entryLoad: { rounds: 6 },
  },
  full: {
    name: 'full',
    generationsPerPolicy: 50,
    comparisonRounds: 2,
    timeScale: 0.5,
    distributions: ['typical', 'long-tail', 'fast-4x', 'slow-4x', 'burst'],
    distributionOverrides: {
      // 0.25: tasks of up to 10 / 15 minutes in a quarter of the time; 4.5 s waits become 1.125 s, above the 1 s floor.
      'long-tail': { timeScale: 0.25, rounds: 1, generationsPerPolicy: 60 },
      // Round 1 starts on a fresh worker (built-in guess), later rounds on what it learned: both are reported.
      'fast-4x': { rounds: 3, generationsPerPolicy: 40 },
      'slow-4x': { timeScale: 0.25, rounds: 2, generationsPerPolicy: 40 },
      // Round 1 on a fresh worker, round 2 on the warm one that learned from the burst; at 0.5 the
      // frontier's 2 s poller stays above the 1 s input floor (at 0.25 it would poll every 4 s).
      burst: { rounds: 2, generationsPerPolicy: 40 },
    },
    costGenerations: 15,
    costRounds: 2,
    costTaskSeconds: 30,
    costPolicies: COST_POLICIES,
    overheadGenerations: 30,
    throughputGenerations: 1_000,
    accountBudget: { generations: 20, leases: 2_000, concurrency: 50 },
    scalingLevels: [100, 1_000, 5_000],
    scalingWebhooks: { inFlight: 1_000, caches: ['SDK default', 'plugin default'] },
    scalingWindowMs: 30_000,
    probeTimerRepeats: 10,
    probeContinueAsNewMaxEvents: 12_000,
    longTaskTimeScale: 0.01,
    // The issue's batch: 1,000 short items at concurrency 50 (ideal 20 waves × 4 s = 80 s).
    batch: { items: 1_000, concurrency: 50, taskSeconds: 4, rounds: 3 },
    saveThroughput: { megabytes: 64, repeats: 7 },
    // 80 fresh processes of ~0.5 s: under a minute. On a loaded 2-core machine the ratio's interval was ~0.2 wide.
    entryLoad: { rounds: 40 },
  },
};

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Longest task of a distribution, real seconds (queued + processing). */
const longestTaskS = (d: DurationDistribution) => d.queuedS[1] + Math.max(d.processingS['10'][1], d.processingS['15'][1]);

/** Where a comparison distribution's settings come from: the mode, then its override. */
function comparisonSettings(mode: BenchMode, name: string) {
  const override = mode.distributionOverrides?.[name] ?? {};
  return {
    generations: override.generationsPerPolicy ?? mode.generationsPerPolicy,
    timeScale: override.timeScale ?? mode.timeScale,
    rounds: override.rounds ?? mode.comparisonRounds,
  };
}

/** One scaling level on a fresh stack: start-up, the workflows' start and settle, the window, teardown. */
const scalingLevelS = (inFlight: number, windowMs: number) => 8 + inFlight * 0.004 + Math.min(180, inFlight * 0.03) + windowMs / 1000 + 3;

/**
 * Seconds per phase, from the mode's parameters and constants read off runs on a 2-core machine
 * (the quick run of this commit, the full runs kept): a comparison round lasts about its longest
 * compressed task plus a tenth, plus starts and history reads (~0.05 s per generation), plus an
 * allowance for timers and retries fired late under load. Printed at start and kept beside the
 * real times in the results, so the constants can be checked against every run.
 */
export function estimatePhases(mode: BenchMode): PhaseTiming[] {
  const phases: PhaseTiming[] = [];
  const add = (phase: string, seconds: number) => phases.push({ phase, estimatedS: Math.round(seconds) });
  if (mode.entryLoad) add('entry load', (mode.entryLoad.rounds + 1) * 2 * 0.4);
  add('environment and probes', 5 + (mode.probeTimerRepeats ?? 3) * 0.3 + (mode.probeContinueAsNewMaxEvents ? 60 : 0));
  for (const d of DISTRIBUTIONS.filter((x) => mode.distributions.includes(x.name))) {
    const { timeScale, rounds, generations } = comparisonSettings(mode, d.name);
    const workflows = (policiesFor(d.name).length + 1) * generations;
    add(`comparison ${d.name}`, 4 + rounds * (longestTaskS(d) * timeScale * 1.1 + 5 + workflows * 0.05 + Math.min(60, workflows * 0.15)));
  }
  const costPolicies = mode.costPolicies?.length ?? POLICIES.length;
  add('worker cost', 3 + (mode.costRounds ?? 1) * costPolicies * (mode.costTaskSeconds + 2.5));
  add(
    'overhead, throughput, 30-minute task',
    2 * Math.ceil(mode.overheadGenerations / 10) * 3.5 +
      mode.throughputGenerations / 30 +
      2 * (1800 * (mode.longTaskTimeScale ?? 0.01) + 1) +
      3,
  );
  if (mode.batch || mode.saveThroughput) add('pipelines', pipelinesEstimateS(mode));
  const levels = [
    ...mode.scalingLevels,
    ...(mode.scalingCacheLimited ? [mode.scalingCacheLimited.inFlight] : []),
    ...(mode.scalingWebhooks?.caches.map(() => mode.scalingWebhooks!.inFlight) ?? []),
  ];
  add(
    'scaling',
    levels.reduce((sum, n) => sum + scalingLevelS(n, mode.scalingWindowMs), 0),
  );
  return phases;
}

/** A batch round: ~1.5 × its ideal plus starting its children (~0.03 s each); saving: ~4 s per MB-repeat pair at moto's pace, plus moto's start. */
function pipelinesEstimateS(mode: BenchMode): number {
  const batch = mode.batch;
  const batchS = batch ? batch.rounds * (Math.ceil(batch.items / batch.concurrency) * batch.taskSeconds * 1.5 + batch.items * 0.03 + 5) : 0;
  const save = mode.saveThroughput;
  return batchS + (save ? 10 + save.repeats * save.megabytes * 0.12 : 0);
}

/** The pipeline measurements, on the given stack (the batch) and on their own S3 server (saving). */
async function measurePipelines(
  mode: BenchMode,
  bench: BenchEnvironment,
  results: Pick<BenchResults, 'batch' | 'saveThroughput'>,
): Promise<void> {
  if (mode.batch) {
    log(`pipelines: a batch of ${mode.batch.items} at concurrency ${mode.batch.concurrency}, ${mode.batch.rounds} round(s)`);
    results.batch = await runBatchBench(bench, mode.batch, log);
  }
  if (mode.saveThroughput) {
    log(`pipelines: saving a ${mode.saveThroughput.megabytes} MB video, ${mode.saveThroughput.repeats} repeats`);
    results.saveThroughput = await runSaveThroughput(mode.saveThroughput, log);
  }
}

/**
 * `--budget-only [--quick]`: the account budget's row alone (~1 min quick). With --quick: printed,
 * nothing written; otherwise merged into the newest full results file and BENCHMARKS.md.
 */
async function rerunAccountBudget(root: string): Promise<void> {
  const quick = process.argv.includes('--quick');
  const bench = await startBenchEnvironment();
  try {
    const measured = await runAccountBudget(bench, MODES[quick ? 'quick' : 'full'].accountBudget!);
    if (quick) {
      console.log(JSON.stringify(measured, null, 2));
      return;
    }
    const { dir, latest, results } = newestFullResults(root);
    results.mode.accountBudget = MODES.full.accountBudget;
    results.accountBudget = measured;
    writeFileSync(join(dir, latest), JSON.stringify(results, null, 2));
    writeBenchmarkReport(root, results);
    log(`account budget updated in ${latest}, BENCHMARKS.md`);
  } finally {
    await bench.close();
  }
}

/** `--pipelines-only`: re-measure the pipeline rows into the newest full results file (~10 min). */
async function rerunPipelines(root: string): Promise<void> {
  if (process.argv.includes('--quick')) {
    // A smoke of the pipeline rows at the quick mode's size: printed, nothing written.
    const smoke: Pick<BenchResults, 'batch' | 'saveThroughput'> = {};
    const bench = await startBenchEnvironment();
    try {
      await measurePipelines(MODES.quick, bench, smoke);
    } finally {
      await bench.close();
    }
    console.log(JSON.stringify(smoke, null, 2));
    return;
  }
  const { dir, latest, results } = newestFullResults(root);
  results.mode.batch = MODES.full.batch;
  results.mode.saveThroughput = MODES.full.saveThroughput;
  results.pipelinesCommit = gitStamp(root);
  const bench = await startBenchEnvironment();
  try {
    await measurePipelines(results.mode, bench, results);
  } finally {
    await bench.close();
  }
  writeFileSync(join(dir, latest), JSON.stringify(results, null, 2));
  writeBenchmarkReport(root, results);
  log(`pipelines updated in ${latest}, BENCHMARKS.md`);
}

/**
 * `--entry-load-only [--quick] [--rounds=N]`: the main entry's load against @temporalio/client's
 * alone (no server; well under a minute). With --quick: printed, nothing written; otherwise merged
 * into the newest full results file, with its own commit stamp, and BENCHMARKS.md re-rendered.
 */
async function rerunEntryLoad(root: string): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rounds = process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1];
  const settings = { rounds: rounds ? Number(rounds) : MODES[quick ? 'quick' : 'full'].entryLoad!.rounds };
  if (!Number.isSafeInteger(settings.rounds) || settings.rounds < 2) throw new Error('--rounds must be a whole number of at least 2');
  if (quick) {
    console.log(JSON.stringify(await runEntryLoad(root, settings, log), null, 2));
    return;
  }
  const { dir, latest, results } = newestFullResults(root);
  results.mode.entryLoad = settings;
  results.entryLoad = await runEntryLoad(root, settings, log);
  results.entryLoadCommit = gitStamp(root);
  writeFileSync(join(dir, latest), JSON.stringify(results, null, 2));
  writeBenchmarkReport(root, results);
  log(`entry load updated in ${latest}, BENCHMARKS.md`);
}

/**
 * `--overhead-only`: re-measure the orchestration overhead alone (~2 min) into the newest full
 * results file, with its own commit stamp, and BENCHMARKS.md re-rendered.
 */
async function rerunOverhead(root: string): Promise<void> {
  const { dir, latest, results } = newestFullResults(root);
  const bench = await startBenchEnvironment();
  try {
    results.overhead = await runOverhead(bench, MODES.full.overheadGenerations);
  } finally {
    await bench.close();
  }
  results.overheadCommit = gitStamp(root);
  writeFileSync(join(dir, latest), JSON.stringify(results, null, 2));
  writeBenchmarkReport(root, results);
  log(`overhead updated in ${latest}, BENCHMARKS.md`);
}

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
  results.mode.scalingWebhooks ??= MODES.full.scalingWebhooks;
  await measureScaling(results.mode, results.scaling, () => {
    writeFileSync(join(dir, latest), JSON.stringify(results, null, 2));
    writeBenchmarkReport(root, results);
  });
  log(`scaling updated in ${latest}, BENCHMARKS.md`);
}

/** Every scaling level on a fresh stack, then the cache-limited and webhook levels; persisted after each. */
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
  for (const cache of mode.scalingWebhooks?.caches ?? []) {
    const { inFlight } = mode.scalingWebhooks!;
    log(`scaling: ${inFlight} in flight with webhooks on, worker cache ${cache}`);
    into.push(await runScaling(inFlight, mode.scalingWindowMs, cache, 'webhooks'));
    persist();
  }
}

/**
 * `--only=<distribution>[,…] [--generations=N] [--rounds=R]`: a reduced check of the comparison
 * rows alone, with the full mode's settings otherwise. Written to bench/results/<time>-custom.json,
 * which the report never reads as a run; BENCHMARKS.md is left alone.
 */
async function runComparisonsOnly(root: string): Promise<void> {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const only = arg('only')!.split(',');
  const mode = MODES.full;
  const results = { startedAt: new Date().toISOString(), commit: gitStamp(root), policies: [] as BenchResults['policies'] };
  const path = join(root, 'bench', 'results', `${results.startedAt.replace(/[:.]/g, '-')}-custom.json`);
  const bench = await startBenchEnvironment();
  try {
    for (const distribution of DISTRIBUTIONS.filter((d) => only.includes(d.name))) {
      const settings = comparisonSettings(mode, distribution.name);
      const generations = Number(arg('generations') ?? settings.generations);
      const rounds = Number(arg('rounds') ?? settings.rounds);
      log(`${distribution.name}: time scale ${settings.timeScale}, ${rounds} × ${generations}`);
      results.policies.push(...(await runPolicyComparison(bench, distribution, generations, settings.timeScale, rounds)));
      writeFileSync(path, JSON.stringify(results, null, 2));
    }
  } finally {
    await bench.close();
  }
  for (const p of results.policies)
    log(
      `${p.distribution} | ${p.policy}: ${p.statusCallsPerGeneration} calls, p50 ${p.detectionLatencyP50S} s, p95 ${p.detectionLatencyP95S} s, ${p.historyEventsPerGeneration} events`,
    );
  log(`written ${path}`);
}

async function main(): Promise<void> {
  // `--scaling-only --server cluster|dev`: the server comparison (bench/cluster-run.ts), ~15 min.
  const server = serverArgument(process.argv);
  if (process.argv.includes('--scaling-only') && server) return rerunServerScaling(join(__dirname, '..', '..'), server, log);
  if (process.argv.includes('--scaling-only')) return rerunScaling(join(__dirname, '..', '..'));
  if (process.argv.includes('--pipelines-only')) return rerunPipelines(join(__dirname, '..', '..'));
  if (process.argv.includes('--budget-only')) return rerunAccountBudget(join(__dirname, '..', '..'));
  if (process.argv.includes('--entry-load-only')) return rerunEntryLoad(join(__dirname, '..', '..'));
  if (process.argv.includes('--overhead-only')) return rerunOverhead(join(__dirname, '..', '..'));
  if (process.argv.includes('--report-only')) {
    // Re-render BENCHMARKS.md and the chart from the newest full results, measuring nothing.
    const root = join(__dirname, '..', '..');
    writeBenchmarkReport(root, newestFullResults(root).results);
    return;
  }
  if (process.argv.some((arg) => arg.startsWith('--only='))) return runComparisonsOnly(join(__dirname, '..', '..'));
  const mode = MODES[(process.argv.includes('--quick') ? 'quick' : 'full') as BenchMode['name']];
  const started = Date.now();
  const phases = estimatePhases(mode);
  const total = phases.reduce((sum, p) => sum + p.estimatedS, 0);
  log(`mode ${mode.name}: estimated ${Math.round(total / 60)} min on a 2-core machine`);
  for (const p of phases) log(`  ${p.phase}: ~${p.estimatedS < 120 ? `${p.estimatedS} s` : `${(p.estimatedS / 60).toFixed(1)} min`}`);
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
    phases,
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
  let phaseStarted = Date.now();
  const phaseDone = (name: string) => {
    const phase = phases.find((p) => p.phase === name);
    if (phase) {
      phase.actualS = Math.round((Date.now() - phaseStarted) / 1000);
      log(`${name}: ${phase.actualS} s (estimated ${phase.estimatedS} s)`);
    }
    phaseStarted = Date.now();
    persist();
  };

  // First, on a quiet machine (no server yet): fresh processes requiring the main entry and the client.
  if (mode.entryLoad) {
    log(`entry load: ${mode.entryLoad.rounds} rounds of the main entry against @temporalio/client`);
    results.entryLoad = await runEntryLoad(root, mode.entryLoad, log);
    phaseDone('entry load');
  }
  const bench = await startBenchEnvironment();
  results.webhookReceiver = bench.webhooks.kind;
  try {
    // Results files are kept: every full run in bench/results/ is listed in BENCHMARKS.md.
    log('probes: timer resolution, continue-as-new suggestion');
    results.probes = await runProbes(bench, {
      timerRepeats: mode.probeTimerRepeats ?? 3,
      continueAsNewMaxEvents: mode.probeContinueAsNewMaxEvents,
    });
    phaseDone('environment and probes');
    for (const distribution of DISTRIBUTIONS.filter((d) => mode.distributions.includes(d.name))) {
      const { generations, timeScale, rounds } = comparisonSettings(mode, distribution.name);
      const policies = policiesFor(distribution.name);
      log(
        `${policies.length} policies and the plain script at once on ${distribution.name} (time scale ${timeScale}, ${rounds} × ${generations} generations each)`,
      );
      results.policies.push(...(await runPolicyComparison(bench, distribution, generations, timeScale, rounds, policies)));
      phaseDone(`comparison ${distribution.name}`);
    }
    results.webhookOutcomes = { byOutcome: bench.webhooks.stats().byOutcome, filtered: bench.webhooks.filtered() };
    const costPolicies = mode.costPolicies ? POLICIES.filter((p) => mode.costPolicies!.includes(p.name)) : POLICIES;
    results.workerCost = await runWorkerCost(bench, costPolicies, mode.costGenerations, mode.costRounds ?? 1, mode.costTaskSeconds, log);
    phaseDone('worker cost');
    log('orchestration overhead');
    results.overhead = await runOverhead(bench, mode.overheadGenerations);
    log('throughput');
    results.throughput = await runThroughput(bench, mode.throughputGenerations);
    if (mode.accountBudget) {
      log('account budget: extra latency per generation, leases per second');
      results.accountBudget = await runAccountBudget(bench, mode.accountBudget);
    }
    log('30-minute task: activity retries, then the timer loop');
    results.longTask = await runLongTask(bench, mode.longTaskTimeScale ?? 0.01, results.probes.continueAsNew, 'activity-retry');
    results.longTaskTimer = await runLongTask(bench, mode.longTaskTimeScale ?? 0.01, results.probes.continueAsNew, 'timer');
    phaseDone('overhead, throughput, 30-minute task');
    results.pipelinesCommit = results.commit;
    await measurePipelines(mode, bench, results);
    phaseDone('pipelines');
  } finally {
    await bench.close();
  }
  await measureScaling(mode, results.scaling, persist);
  phaseDone('scaling');
  log(`done in ${results.durationS}s: ${jsonPath}, BENCHMARKS.md`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
