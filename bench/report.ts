/** BENCHMARKS.md and its chart, generated from a run's JSON (never edited by hand). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from './result-types';
import type { PolicyResult, ScalingResult } from './scenarios';
import { medianDifferenceInterval } from './stats';

const CHART_FILE = 'bench/status-calls-vs-latency.svg';
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#7f7f7f'];

/** Scatter: status calls per generation (x) against p50 detection latency (y), per policy and distribution. */
function chartSvg(policies: PolicyResult[]): string {
  const width = 720;
  const height = 420;
  const pad = { left: 70, right: 230, top: 30, bottom: 50 };
  const maxX = Math.max(...policies.map((p) => p.statusCallsPerGeneration)) * 1.1;
  const maxY = Math.max(...policies.map((p) => p.detectionLatencyP50S)) * 1.15;
  const x = (v: number) => pad.left + (v / maxX) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const names = [...new Set(policies.map((p) => p.policy))];
  const marks = policies.map((p) => {
    const color = COLORS[names.indexOf(p.policy) % COLORS.length];
    const shape =
      p.distribution === 'typical'
        ? `<circle cx="${x(p.statusCallsPerGeneration)}" cy="${y(p.detectionLatencyP50S)}" r="6" fill="${color}"/>`
        : `<rect x="${x(p.statusCallsPerGeneration) - 5}" y="${y(p.detectionLatencyP50S) - 5}" width="10" height="10" fill="${color}"/>`;
    return `${shape}<title>${p.policy} (${p.distribution}): ${p.statusCallsPerGeneration} calls, p50 ${p.detectionLatencyP50S} s</title>`;
  });
  const legend = names.map(
    (name, i) =>
      `<rect x="${width - pad.right + 20}" y="${pad.top + i * 22}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${width - pad.right + 38}" y="${pad.top + i * 22 + 11}" font-size="12">${name}</text>`,
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${x(maxX * f)}" y="${height - pad.bottom + 18}" font-size="11" text-anchor="middle">${Math.round(maxX * f)}</text>` +
      `<text x="${pad.left - 8}" y="${y(maxY * f) + 4}" font-size="11" text-anchor="end">${(maxY * f).toFixed(1)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>`,
    ...ticks,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" font-size="12" text-anchor="middle">status calls per generation</text>`,
    `<text x="18" y="${(pad.top + height - pad.bottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${(pad.top + height - pad.bottom) / 2})">p50 detection latency (s)</text>`,
    ...marks,
    ...legend,
    `<text x="${width - pad.right + 20}" y="${pad.top + names.length * 22 + 20}" font-size="11">● typical  ■ long-tail</text>`,
    '</svg>',
  ].join('\n');
}

/**
 * How much each workflow status check took beyond its timer under the comparison's load: the plain
 * 5 s script's calls measure the tasks' length (calls × 5 s), the 5 s workflow's calls its real cycle.
 */
function cycleStretch(policies: PolicyResult[]): string[] {
  return [...new Set(policies.map((p) => p.distribution))].flatMap((d) => {
    const plain = policies.find((p) => p.distribution === d && p.policy.startsWith('plain script'));
    const fixed = policies.find((p) => p.distribution === d && p.policy === 'fixed 5 s');
    if (!plain || !fixed) return [];
    const cycleS = (plain.statusCallsPerGeneration * 5) / fixed.statusCallsPerGeneration;
    return [
      `On ${d}, the 5 s workflow made ${fixed.statusCallsPerGeneration} checks where the plain 5 s script made ${plain.statusCallsPerGeneration} on tasks of the same`,
      `distribution: under this load each workflow check cycle lasted ~${cycleS.toFixed(1)} s (real-time equivalent), the timer plus ~${(cycleS - 5).toFixed(1)} s of`,
      'orchestration (timer firing, workflow task, activity dispatch, the HTTP call) — the same for every workflow policy.',
    ];
  });
}

/**
 * Why a target was missed, from the run's own numbers: a bare "not met" would leave the reader to
 * guess whether it is noise, the machine or the design, so each miss gets its measured cause.
 */
function explainMisses(
  dominance: { distribution: string; ok: boolean; interval?: [number, number] }[],
  scaling: ScalingResult[],
): string[] {
  const notes: string[] = [];
  for (const d of dominance.filter((entry) => !entry.ok && entry.interval)) {
    const [low, high] = d.interval!;
    if (low < 0 && high > 0)
      notes.push(
        `- ${d.distribution}: the p50 difference is inside this run's noise (its 95 % interval spans 0, from ${low.toFixed(2)} to ${high.toFixed(2)} s); the call saving is not.`,
      );
  }
  const byCache = (cache: number | 'SDK default', inFlight: number) =>
    scaling.find((s) => s.inFlight === inFlight && (s.maxCachedWorkflows ?? 'SDK default') === cache && s.memory);
  const small = byCache('SDK default', 100);
  const large = byCache('SDK default', 1_000);
  if (small?.memory && large?.memory && large.workerRssMb > 400) {
    const perWorkflow = (large.memory.outsideHeapMb - small.memory.outsideHeapMb) / (large.inFlight - small.inFlight);
    notes.push(
      `- Worker memory at 1,000 in flight: ${large.workerRssMb} MB RSS, of which the V8 heap's live set is ${large.memory.heapLiveAfterGcMb} MB and ${large.memory.outsideHeapMb} MB lies outside the V8 heap ` +
        `(the Temporal SDK's native core, buffers, compiled code), growing ~${perWorkflow.toFixed(2)} MB per cached workflow between 100 and 1,000 in flight; every JavaScript object of the workflows, this plugin's state included, fits in the live heap.`,
    );
    const bounded = scaling.find((s) => s.inFlight === 1_000 && typeof s.maxCachedWorkflows === 'number');
    if (bounded)
      notes.push(
        `- A cache of ${bounded.maxCachedWorkflows} workflows brings 1,000 in flight to ${bounded.workerRssMb} MB, but replaying evicted workflows took the worker from ${large.cores?.worker ?? '?'} to ${bounded.cores?.worker ?? '?'} cores ` +
          `and the sustained rate from ${large.statusChecksPerSecondSustained} to ${bounded.statusChecksPerSecondSustained} checks/s: run more workers with the default cache rather than one with a small cache.`,
      );
  }
  return notes.length > 0 ? ['', '### Where a target is missed', '', ...notes, ''] : [''];
}

/** Status-query latency of a scaling level; a saturated stack may answer none within the window. */
function queryText(s: ScalingResult): string {
  const answered = typeof s.statusQueryP50Ms === 'number' && Number.isFinite(s.statusQueryP50Ms);
  return answered
    ? `${s.statusQueryP50Ms} / ${s.statusQueryP95Ms}, ${s.statusQueryFailures ?? 0}`
    : `none answered, ${s.statusQueryFailures ?? 0}`;
}

/** The p50 difference with its bootstrap interval (older result files carry no raw latencies). */
function medianInterval(a: PolicyResult, b: PolicyResult): [number, number] | undefined {
  if (!a.detectionLatenciesS?.length || !b.detectionLatenciesS?.length) return undefined;
  return medianDifferenceInterval(a.detectionLatenciesS, b.detectionLatenciesS);
}

function medianDifferenceText(a: PolicyResult, b: PolicyResult): string {
  const interval = medianInterval(a, b);
  return interval ? ` (difference 95 % CI ${interval[0].toFixed(2)} to ${interval[1].toFixed(2)} s)` : '';
}

function verdict(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}

export function writeBenchmarkReport(root: string, results: BenchResults): void {
  if (results.policies.length > 0) writeFileSync(join(root, CHART_FILE), chartSvg(results.policies));
  const { mode, machine, policies, workerCost, overhead, throughput, longTask, scaling } = results;
  const ours = (d: string) => policies.find((p) => p.distribution === d && p.policy === 'adaptive (ours)')!;
  const fiveS = (d: string) => policies.find((p) => p.distribution === d && p.policy === 'fixed 5 s')!;
  const dominance = [...new Set(policies.map((p) => p.distribution))]
    .filter((d) => ours(d) && fiveS(d))
    .map((d) => ({
      distribution: d,
      ok:
        ours(d).statusCallsPerGeneration < fiveS(d).statusCallsPerGeneration &&
        ours(d).detectionLatencyP50S <= fiveS(d).detectionLatencyP50S,
      interval: medianInterval(ours(d), fiveS(d)),
      line:
        `${d}: ${ours(d).statusCallsPerGeneration} vs ${fiveS(d).statusCallsPerGeneration} calls (${Math.round((1 - ours(d).statusCallsPerGeneration / fiveS(d).statusCallsPerGeneration) * 100)} % fewer), ` +
        `p50 ${ours(d).detectionLatencyP50S} s vs ${fiveS(d).detectionLatencyP50S} s${medianDifferenceText(ours(d), fiveS(d))}`,
    }));
  const maxEventsPerPoll = Math.max(0, ...policies.filter((p) => p.historyEventsPerPoll > 0).map((p) => p.historyEventsPerPoll));
  const at1000 = scaling.find((s) => s.inFlight === 1_000 && (s.maxCachedWorkflows ?? 'SDK default') === 'SDK default');
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${mode.name === 'quick' ? ':quick' : ''}\` on ${results.startedAt} (${results.durationS} s). Raw data: \`bench/results/\`.`,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}. Real Temporal dev server, the Rivya simulator, and the packaged worker as its own process, all on loopback.`,
    `Task durations are realistic minutes compressed by a time scale of ${mode.timeScale} (every timer and task duration alike); latencies are reported back in real-time seconds. Medians and p95 over ${mode.generationsPerPolicy * (mode.comparisonRounds ?? 1)} generations per row (${mode.comparisonRounds ?? 1} round(s) of ${mode.generationsPerPolicy}, every policy at once in each round); our machines are noisy, so compare rows of the same run.`,
    '',
    '## Targets',
    '',
    '| target | result | figures |',
    '|---|---|---|',
    ...dominance.map((d) => `| default schedule dominates the 5 s poller (${d.distribution}) | ${verdict(d.ok)} | ${d.line} |`),
    `| ≤ 15 history events per status poll | ${verdict(maxEventsPerPoll <= 15)} | at most ${maxEventsPerPoll} events per poll (slope over generations) |`,
    longTask
      ? `| a 30-minute task stays under the continue-as-new threshold or continues as new | ${verdict(longTask.maxEventsInOneRun < longTask.continueAsNewSuggestedAt || longTask.runs > 1)} | ${longTask.polls} polls, ${longTask.runs} run(s), at most ${longTask.maxEventsInOneRun} events in one run (server suggests continue-as-new at ${longTask.continueAsNewSuggestedAt}) |`
      : '',
    at1000
      ? `| worker RSS ≤ 400 MB with 1,000 in flight | ${verdict(at1000.workerRssMb <= 400)} | ${at1000.workerRssMb} MB |`
      : '| worker RSS ≤ 400 MB with 1,000 in flight | not measured in quick mode | run `npm run bench` |',
    overhead
      ? `| orchestration overhead p50 ≤ 1 s | ${verdict(overhead.overheadP50S <= 1)} | ${overhead.overheadP50S} s (workflow ${overhead.workflowP50S} s vs plain script ${overhead.plainP50S} s, ${overhead.taskSeconds} s task, ${overhead.intervalMs} ms polls) |`
      : '',
    '',
    ...explainMisses(dominance, scaling),
    '## Waiting policies',
    '',
    `![status calls vs detection latency](${CHART_FILE.replace('bench/', 'bench/')})`,
    '',
    '| distribution | policy | stands for | status calls / gen | detection p50 (s) | p95 (s) | history events / gen | events / poll | timers fired late: p99 / worst (s) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...policies.map(
      (p) =>
        `| ${p.distribution} | ${p.policy} | ${p.standsFor} | ${p.statusCallsPerGeneration} | ${p.detectionLatencyP50S} | ${p.detectionLatencyP95S} | ${p.historyEventsPerGeneration || '–'} | ${p.historyEventsPerPoll || '–'} | ${p.timerLateP99S !== undefined ? `${p.timerLateP99S} / ${p.timerLateMaxS}` : '–'} |`,
    ),
    '',
    'Timer lateness is read from each history (TimerFired − TimerStarted − the requested delay). Under this load the',
    'dev server fires a few timers many seconds late; a generation whose detecting timer is one of them lands in the p95',
    'column, whatever its schedule. Compare p95s within a run, and read the p50s for the schedules themselves.',
    '',
    `In each round all policies of a distribution ran at the same time (${mode.generationsPerPolicy} generations each), so they met the same server and worker load.`,
    'Temporal timers fire at 1-second resolution (measured on this dev server: a 25 ms, 250 ms or 1 s timer all take ~1.0 s), so a',
    'Temporal workflow cannot poll faster than once a second; at this time scale, policies whose compressed interval is under',
    '1 s are floored to it. The plain script has no such floor.',
    ...cycleStretch(policies),
    '',
    `### Worker cost per generation (each policy alone, ${workerCost[0]?.generations ?? 0} generations of a fixed ${workerCost[0]?.taskSeconds ?? 0} s task, real time)`,
    '',
    '| policy | worker CPU ms / generation | worker peak RSS (MB) |',
    '|---|---|---|',
    ...workerCost.map((c) => `| ${c.policy} | ${c.workerCpuMsPerGeneration} | ${c.workerPeakRssMb} |`),
    '',
    'Distributions (real time, uniform per `n_frames`, half the generations each): typical — 10 frames 60–150 s, 15 frames 90–240 s; long-tail — 10 frames 30–400 s, 15 frames 60–600 s; plus 2–10 s (typical) or 2–30 s (long-tail) queued.',
    '',
    '## Overhead and throughput',
    '',
    overhead
      ? `- Orchestration overhead (same ${overhead.taskSeconds} s task, same ${overhead.intervalMs} ms polls, ${overhead.generations} generations, real time): plain script p50 ${overhead.plainP50S} s, workflow p50 ${overhead.workflowP50S} s → overhead p50 ${overhead.overheadP50S} s, p95 of pairwise differences ${overhead.overheadP95S} s.`
      : '',
    throughput
      ? `- Throughput: ${throughput.generations} short generations started at once completed in ${throughput.seconds} s = **${throughput.completedPerSecond} generations/s**, ${throughput.workerCpuMsPerGeneration} worker CPU ms each.`
      : '',
    '',
    '## Scaling (generations in flight, polling every 4.5 s)',
    '',
    '| in flight | worker cache | tasks created | start time (s) | worker RSS (MB) | V8 heap committed / live after GC (MB) | outside the V8 heap (MB) | worker CPU ms per generation per minute | status query p50 / p95 (ms), failed | status checks/s demanded | sustained | cores busy: worker / dev server / client + simulator |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...scaling.map(
      (s) =>
        `| ${s.inFlight} | ${s.maxCachedWorkflows ?? 'SDK default'} | ${s.tasksCreated ?? s.inFlight} | ${s.startSeconds} | ${s.workerRssMb} | ${s.memory ? `${s.memory.heapCommittedMb} / ${s.memory.heapLiveAfterGcMb}` : '–'} | ${s.memory?.outsideHeapMb ?? '–'} | ${s.workerCpuMsPerGenerationPerMinute} | ${queryText(s)} | ${s.statusChecksPerSecondDemanded} | ${s.statusChecksPerSecondSustained} | ${s.cores ? `${s.cores.worker} / ${s.cores.devServer} / ${s.cores.clientAndSimulator}` : '–'} |`,
    ),
    '',
    'A status query waits for a worker to answer it, so it measures the whole loop (server, worker, cache); a query that is not answered before the client gives up counts as failed.',
    'Cores busy show where the machine goes: when the dev server (one process, SQLite) is the busiest part, the rate it sustains is the ceiling, not the worker.',
    'Worker RSS is the peak over the window; the memory split is read inside the worker at the end of the window. "SDK default" caches every workflow here (the SDK sizes the cache from the heap limit); a bounded cache (`RIVYA_WORKER_MAX_CACHED_WORKFLOWS`) trades memory for replaying evicted workflows on every wake-up.',
    '',
  ];
  writeFileSync(join(root, 'BENCHMARKS.md'), lines.filter((line) => line !== undefined).join('\n'));
}
