/** BENCHMARKS.md and its chart, generated from a run's JSON (never edited by hand). */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverScalingSection } from './cluster-report';
import { entryLoadSection, entryLoadTargetRows } from './entry-load-report';
import { pipelinesSection } from './pipelines-report';
import { gitStamp, stampLines } from './git-stamp';
import type { BenchResults } from './result-types';
import { DEFAULT_POLICY, FIXED_5S_POLICY, FRONTIER_POLICIES, LEGACY_DEFAULT_POLICY, RENAMED_POLICIES, RETRIES_POLICY } from './policies';
import { paretoFrontier } from './frontier';
import { actionsSection, actionsTargetRows, frontierTargetRows } from './report-frontier';
import { waitSections, waitTargetRows } from './report-wait';
import { describeDistribution, DISTRIBUTIONS } from './scenarios/distributions';
import type { PolicyResult } from './scenarios/policy-comparison';
import type { ScalingResult } from './scenarios/scaling';
import { intervalVerdict, meanDifferenceInterval, medianDifferenceInterval, percentile, round, slopeInterval, type Verdict } from './stats';

const CHART_FILE = 'bench/status-calls-vs-latency.svg';
const COLORS = [
  '#d62728',
  '#1f77b4',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#000000',
  '#aec7e8',
  '#98df8a',
  '#ffbb78',
];

/** Scatter: status calls per generation (x) against p50 detection latency (y), per policy and distribution. */
function chartSvg(policies: PolicyResult[]): string {
  const width = 720;
  const height = 560; // room for the legend: ~14 policies and 5 distributions
  const pad = { left: 70, right: 230, top: 30, bottom: 50 };
  const maxX = Math.max(...policies.map((p) => p.statusCallsPerGeneration)) * 1.1;
  const maxY = Math.max(...policies.map((p) => p.detectionLatencyP50S)) * 1.15;
  const x = (v: number) => pad.left + (v / maxX) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const names = [...new Set(policies.map((p) => p.policy))];
  const distributions = [...new Set(policies.map((p) => p.distribution))];
  const marks = policies.map((p) => {
    const color = COLORS[names.indexOf(p.policy) % COLORS.length];
    const [cx, cy] = [x(p.statusCallsPerGeneration), y(p.detectionLatencyP50S)];
    const shapes = [
      `<circle cx="${cx}" cy="${cy}" r="6" fill="${color}"/>`,
      `<rect x="${cx - 5}" y="${cy - 5}" width="10" height="10" fill="${color}"/>`,
      `<polygon points="${cx},${cy - 7} ${cx - 6},${cy + 5} ${cx + 6},${cy + 5}" fill="${color}"/>`,
      `<polygon points="${cx},${cy - 7} ${cx + 7},${cy} ${cx},${cy + 7} ${cx - 7},${cy}" fill="${color}"/>`,
    ];
    const shape = shapes[distributions.indexOf(p.distribution) % shapes.length];
    return `${shape}<title>${p.policy} (${p.distribution}): ${p.statusCallsPerGeneration} calls, p50 ${p.detectionLatencyP50S} s</title>`;
  });
  // The fixed-polling frontier of each distribution: its undominated fixed pollers joined in order of calls.
  const frontiers = distributions.flatMap((d) => {
    const points = paretoFrontier(
      policies
        .filter((p) => p.distribution === d && FRONTIER_POLICIES.includes(p.policy))
        .map((p) => ({ calls: p.statusCallsPerGeneration, latency: p.detectionLatencyP50S })),
    ).map((p) => `${x(p.calls)},${y(p.latency)}`);
    return points.length < 2
      ? []
      : [
          `<polyline points="${points.join(' ')}" fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="5,4"><title>fixed-polling frontier (${d})</title></polyline>`,
        ];
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
    ...frontiers,
    ...marks,
    ...legend,
    ...distributions.map(
      (d, i) =>
        `<text x="${width - pad.right + 20}" y="${pad.top + names.length * 22 + 20 + i * 16}" font-size="11">${['●', '■', '▲', '◆'][i % 4]} ${d}</text>`,
    ),
    frontiers.length > 0
      ? `<line x1="${width - pad.right + 20}" y1="${pad.top + names.length * 22 + 20 + distributions.length * 16 + 2}" x2="${width - pad.right + 44}" y2="${pad.top + names.length * 22 + 20 + distributions.length * 16 + 2}" stroke="#555" stroke-dasharray="5,4"/>` +
        `<text x="${width - pad.right + 50}" y="${pad.top + names.length * 22 + 20 + distributions.length * 16 + 6}" font-size="11">fixed-polling frontier</text>`
      : '',
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
      `distribution: under this load each workflow check cycle lasted ~${cycleS.toFixed(1)} s (real-time equivalent), the 5 s wait plus ~${(cycleS - 5).toFixed(1)} s of`,
      'orchestration (the server firing the wait — a timer or an activity retry —, task dispatch, the HTTP call), and the raise of a compressed wait under 1 s where the floor applies.',
    ];
  });
}

/**
 * Why a target was missed, from the run's own numbers: a bare "not met" would leave the reader to
 * guess whether it is noise, the machine or the design, so each miss gets its measured cause.
 */
function explainMisses(dominance: Dominance[], scaling: ScalingResult[]): string[] {
  const notes: string[] = [];
  for (const d of dominance.filter((entry) => entry.verdict !== 'met')) {
    notes.push(`- ${d.distribution}: ${d.verdict} — ${d.why}.`);
  }
  const byCache = (cache: number | 'SDK default', inFlight: number) =>
    scaling.find(
      (s) => s.inFlight === inFlight && (s.maxCachedWorkflows ?? 'SDK default') === cache && s.memory && s.waiting !== 'webhooks',
    );
  const small = byCache('SDK default', 100);
  const large = byCache('SDK default', 1_000);
  if (small?.memory && large?.memory && large.workerRssMb > 400) {
    const perWorkflow = (large.memory.outsideHeapMb - small.memory.outsideHeapMb) / (large.inFlight - small.inFlight);
    notes.push(
      `- Worker memory at 1,000 in flight: ${large.workerRssMb} MB RSS, of which the V8 heap's live set is ${large.memory.heapLiveAfterGcMb} MB and ${large.memory.outsideHeapMb} MB lies outside the V8 heap ` +
        `(the Temporal SDK's native core, buffers, compiled code), growing ~${perWorkflow.toFixed(2)} MB per cached workflow between 100 and 1,000 in flight; every JavaScript object of the workflows, this plugin's state included, fits in the live heap.`,
    );
    const bounded = scaling.find((s) => s.inFlight === 1_000 && typeof s.maxCachedWorkflows === 'number' && s.waiting !== 'webhooks');
    if (bounded)
      notes.push(
        `- A cache of ${bounded.maxCachedWorkflows} workflows brings 1,000 in flight to ${bounded.workerRssMb} MB, but replaying evicted workflows took the worker from ${large.cores?.worker ?? '?'} to ${bounded.cores?.worker ?? '?'} cores ` +
          `and the sustained rate from ${large.statusChecksPerSecondSustained} to ${bounded.statusChecksPerSecondSustained} checks/s: run more workers with the default cache rather than one with a small cache.`,
      );
  }
  return notes.length > 0 ? ['', '### Where a target is missed or not shown', '', ...notes, ''] : [''];
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

/** A verdict word, or "not judged" when the results file holds no interval for it. */
type ReportVerdict = Verdict | 'not judged (not recorded in this results file)';

function verdictText(verdict: ReportVerdict): string {
  return verdict === 'not met' ? '**not met**' : verdict === 'met' ? 'met' : `_${verdict}_`;
}

const fmt = ([low, high]: [number, number], digits = 2) => `${low.toFixed(digits)} to ${high.toFixed(digits)}`;

interface Dominance {
  distribution: string;
  verdict: ReportVerdict;
  why: string;
  line: string;
}

const DOMINANCE_RULE =
  'met only if the 95 % interval of (ours − 5 s) mean calls lies below 0 and that of the p50 latency difference at or below 0; not met if either lies wholly above 0; otherwise not distinguishable from noise';

/** "Ours dominates the 5 s poller" on one distribution, decided from the two intervals only. */
function dominanceOf(d: string, ours: PolicyResult, five: PolicyResult): Dominance {
  const latency = medianInterval(ours, five);
  const calls =
    ours.statusCallsAll?.length && five.statusCallsAll?.length
      ? meanDifferenceInterval(ours.statusCallsAll, five.statusCallsAll)
      : undefined;
  const line =
    `${d}: ${ours.statusCallsPerGeneration} vs ${five.statusCallsPerGeneration} calls (${Math.round((1 - ours.statusCallsPerGeneration / five.statusCallsPerGeneration) * 100)} % fewer${calls ? `; difference 95 % CI ${fmt(calls)}` : '; no per-generation calls recorded, no interval'}), ` +
    `p50 ${ours.detectionLatencyP50S} s vs ${five.detectionLatencyP50S} s${latency ? ` (difference 95 % CI ${fmt(latency)} s)` : ''}`;
  if (!latency || !calls) {
    const opposite = (latency && latency[0] > 0) || (calls && calls[0] > 0);
    return {
      distribution: d,
      verdict: opposite ? 'not met' : 'not judged (not recorded in this results file)',
      why: opposite
        ? 'an interval lies wholly on the wrong side of 0'
        : `this results file holds no per-generation ${calls ? 'latencies' : 'status calls'}, so the rule cannot be applied${latency ? ` (p50 latency alone: ${intervalVerdict(latency, { atMost: 0 })}, interval ${fmt(latency)} s)` : ''}`,
      line,
    };
  }
  const callsVerdict = intervalVerdict(calls, { below: 0 });
  const latencyVerdict = intervalVerdict(latency, { atMost: 0 });
  const verdict: Verdict =
    callsVerdict === 'not met' || latencyVerdict === 'not met'
      ? 'not met'
      : callsVerdict === 'met' && latencyVerdict === 'met'
        ? 'met'
        : 'not distinguishable from noise';
  const why = [`calls: ${callsVerdict} (interval ${fmt(calls)})`, `p50 latency: ${latencyVerdict} (interval ${fmt(latency)} s)`].join('; ');
  return { distribution: d, verdict, why, line };
}

/** A single deterministic-or-one-shot reading: the rule says so instead of pretending to an interval. */
const ONE_READING_RULE = 'one reading (a peak, not a sample): compared directly with the limit, no interval';

/** Every full run kept in bench/results/, newest first. */
function keptFullRuns(root: string): Array<{ file: string; results: BenchResults }> {
  const dir = join(root, 'bench', 'results');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('-full.json'))
    .sort()
    .reverse()
    .flatMap((file) => {
      try {
        return [{ file, results: withCurrentNames(JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResults) }];
      } catch (err) {
        if (err instanceof SyntaxError) return []; // a file being written right now
        throw err;
      }
    });
}

/**
 * The default schedule's row: what a user who sets nothing gets (learned expectation); in results
 * files older than that row, the retry form handed its expectation, or the timer loop under its old name.
 */
function defaultRow(policies: PolicyResult[], d: string): PolicyResult | undefined {
  return (
    policies.find((p) => p.distribution === d && p.policy === DEFAULT_POLICY) ??
    policies.find((p) => p.distribution === d && p.policy === RETRIES_POLICY) ??
    policies.find((p) => p.distribution === d && p.policy === LEGACY_DEFAULT_POLICY)
  );
}

function dominanceOfRun(policies: PolicyResult[]): Dominance[] {
  return [...new Set(policies.map((p) => p.distribution))].flatMap((d) => {
    const ours = defaultRow(policies, d);
    const five = policies.find((p) => p.distribution === d && p.policy === FIXED_5S_POLICY);
    return ours && five ? [dominanceOf(d, ours, five)] : [];
  });
}

function keptRunsSection(root: string): string[] {
  const runs = keptFullRuns(root);
  if (runs.length === 0) return ['No full runs kept yet (`npm run bench`).', ''];
  return [
    '| results file | measured at commit | machine | duration (s) | default schedule vs 5 s per distribution: calls, p50 (s), verdict | worker RSS at 1,000 (MB) | overhead p50 (s) |',
    '|---|---|---|---|---|---|---|',
    ...runs.map(({ file, results }) => {
      const dominance = dominanceOfRun(results.policies)
        .map((d) => {
          const ours = defaultRow(results.policies, d.distribution)!;
          const five = results.policies.find((p) => p.distribution === d.distribution && p.policy === FIXED_5S_POLICY)!;
          return `${d.distribution}: ${ours.statusCallsPerGeneration} vs ${five.statusCallsPerGeneration}, ${ours.detectionLatencyP50S} vs ${five.detectionLatencyP50S}, ${d.verdict}`;
        })
        .join('<br>');
      const at1000 = results.scaling.find(
        (s) => s.inFlight === 1_000 && (s.maxCachedWorkflows ?? 'SDK default') === 'SDK default' && s.waiting !== 'webhooks',
      );
      const commit = results.commit?.commit
        ? `\`${results.commit.commit.slice(0, 12)}\`${results.commit.dirty ? ' (dirty)' : ''}`
        : 'not recorded';
      const machine = results.machine
        ? `${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}`
        : 'not recorded';
      return `| ${file} | ${commit} | ${machine} | ${results.durationS} | ${dominance || '–'} | ${at1000?.workerRssMb ?? '–'} | ${results.overhead?.overheadP50S ?? '–'} |`;
    }),
    '',
  ];
}

function timerResolutionText(results: BenchResults): string[] {
  const timers = results.probes?.timers;
  if (!timers?.length)
    return [
      'Timer resolution was not measured in this results file (no probe). Policies whose compressed interval is under the',
      "workflow's 1 s minimum poll wait are raised to it; the plain script has no such floor.",
    ];
  return [
    `Timer durations measured on this dev server in this run (TimerFired − TimerStarted, ${timers[0]!.samplesMs.length} timers each): ` +
      timers.map((t) => `${t.requestedMs} ms → median ${t.medianMs} ms (max ${t.maxMs} ms)`).join('; ') +
      '.',
    "Policies whose compressed interval is under the workflow's 1 s minimum poll wait are raised to it; the plain script has no such floor.",
  ];
}

/** Results files keep the names rows had when they were written: the report reads them under today's. */
/** Whether the rotation let every policy run at every position, or which positions each one had. */
export function rotationCoverage(rows: readonly { policy: string; positions?: number[] }[]): string {
  const everyPosition = rows.every((row) => new Set(row.positions ?? []).size === rows.length);
  if (everyPosition) return ', so each policy ran at each position';
  return `, but ${rows[0]?.positions?.length ?? 0} rounds for ${rows.length} policies cover only some positions (${rows.map((row) => `${row.policy}: ${(row.positions ?? []).join(', ')}`).join('; ')})`;
}

/**
 * A policy's name as it ran: a row whose waits the 1 s input floor raised at the distribution's
 * time scale does not stand for a peer polling at its nominal interval, so it says what it ran at.
 */
export function policyAsRun(p: Pick<PolicyResult, 'policy' | 'floorDistortion'>): string {
  const raised = (key: string) =>
    p.floorDistortion?.map((note) => new RegExp(`^${key} [\\d.]+ s → ([\\d.]+) s$`).exec(note)?.[1]).find(Boolean);
  const interval = raised('minIntervalMs');
  if (interval) return `${p.policy} (ran at ${interval} s: the 1 s floor)`;
  const first = raised('firstCheckAfterMs');
  return first ? `${p.policy} (first check at ${first} s: the 1 s floor)` : p.policy;
}

function withCurrentNames(results: BenchResults): BenchResults {
  const rename = <T extends { policy: string }>(row: T): T => ({ ...row, policy: RENAMED_POLICIES[row.policy] ?? row.policy });
  return { ...results, policies: results.policies.map(rename), workerCost: results.workerCost.map(rename) };
}

export function writeBenchmarkReport(root: string, written: BenchResults): void {
  const results = withCurrentNames(written);
  if (results.policies.length > 0) writeFileSync(join(root, CHART_FILE), chartSvg(results.policies));
  const { mode, machine, policies, workerCost, overhead, throughput, longTask, scaling } = results;
  const dominance = dominanceOfRun(policies);
  // ≤ 15 events per poll: every policy's slope interval (events over calls across generations) against 15.
  const slopeRows = policies
    .filter((p) => p.historyEventsPerPoll > 0)
    .map((p) => ({
      p,
      interval: p.statusCallsAll?.length && p.historyEventsAll?.length ? slopeInterval(p.statusCallsAll, p.historyEventsAll) : undefined,
    }));
  const maxEventsPerPoll = Math.max(0, ...slopeRows.map((r) => r.p.historyEventsPerPoll));
  const slopeIntervals = slopeRows.flatMap((r) => (r.interval ? [r.interval] : []));
  const slopeVerdict: ReportVerdict =
    slopeRows.length > 0 && slopeIntervals.length === slopeRows.length
      ? slopeIntervals.some((i) => intervalVerdict(i, { atMost: 15 }) === 'not met')
        ? 'not met'
        : slopeIntervals.every((i) => intervalVerdict(i, { atMost: 15 }) === 'met')
          ? 'met'
          : 'not distinguishable from noise'
      : 'not judged (not recorded in this results file)';
  const widestSlope = slopeIntervals.reduce<[number, number] | undefined>(
    (acc, i) => (acc ? [Math.min(acc[0], i[0]), Math.max(acc[1], i[1])] : i),
    undefined,
  );
  const at1000 = scaling.find(
    (s) => s.inFlight === 1_000 && (s.maxCachedWorkflows ?? 'SDK default') === 'SDK default' && s.waiting !== 'webhooks',
  );
  const overheadInterval =
    overhead?.workflowS?.length && overhead.plainS?.length ? medianDifferenceInterval(overhead.workflowS, overhead.plainS) : undefined;
  const longTaskThreshold = longTask?.continueAsNewSource === 'measured' ? longTask.continueAsNewSuggestedAt : undefined;
  const longTaskVerdict: ReportVerdict | undefined = longTask
    ? longTask.runs > 1
      ? 'met'
      : typeof longTaskThreshold === 'number'
        ? longTask.maxEventsInOneRun < longTaskThreshold
          ? 'met'
          : 'not met'
        : 'not judged (not recorded in this results file)'
    : undefined;
  const generationsPerDistribution = [...new Set(policies.map((p) => p.distribution))]
    .map((d) => `${d} ${policies.find((p) => p.distribution === d)?.generations ?? 0}`)
    .join(', ');
  const distributions = results.distributionsUsed ?? DISTRIBUTIONS.filter((d) => policies.some((p) => p.distribution === d.name));
  const costRounds = workerCost[0]?.positions?.length ?? 1;
  const lines = [
    '# Benchmarks',
    '',
    ...stampLines('data-commit', results.commit ?? { commit: null, dirty: null }).slice(0, 1),
    ...stampLines('report-commit', gitStamp(root)).slice(0, 1),
    `Generated by \`npm run bench${mode.name === 'quick' ? ':quick' : ''}\` on ${results.startedAt} (${results.durationS} s). Raw data: \`bench/results/\`.`,
    results.commit?.commit
      ? stampLines('data-commit', results.commit)[1]!
      : 'Measured at a commit this results file does not record (it predates commit stamps): treat it as possibly stale.',
    stampLines('report-commit', gitStamp(root))[1]!,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}. Real Temporal dev server, the Rivya simulator (signed webhook deliveries included), and the worker as its own process (${results.webhookReceiver ? "bench/bench-worker.ts: the packaged worker's createSora2Worker plus `wait.priorScale` set to the distribution's time scale, restarted per distribution" : 'the packaged worker'}), all on loopback.`,
    `Task durations are realistic minutes compressed by a time scale of ${mode.timeScale}${mode.distributionOverrides ? ` (overrides: ${JSON.stringify(mode.distributionOverrides)})` : ''} (every timer and task duration alike); latencies are reported back in real-time seconds. Medians and p95 per row over ${generationsPerDistribution} generations (rounds and time scale per distribution under the policies table; every policy of a distribution at once in each round); our machines are noisy, so compare rows of the same run.`,
    '',
    '## Targets',
    '',
    'A verdict is a word only the 95 % interval can earn: **met** if the whole interval satisfies the target, **not met** if the whole interval violates it, otherwise _not distinguishable from noise_. The rule applied is printed beside each verdict.',
    '',
    '| target | result | rule | figures |',
    '|---|---|---|---|',
    ...dominance.map(
      (d) =>
        `| default schedule dominates the 5 s poller (${d.distribution}) | ${verdictText(d.verdict)} | ${DOMINANCE_RULE} | ${d.line} |`,
    ),
    `| ≤ 15 history events per status poll | ${verdictText(slopeVerdict)} | met only if every policy's 95 % interval of the slope (history events over status calls, bootstrap over generations) lies at or below 15 | at most ${maxEventsPerPoll} events per poll${widestSlope ? `; intervals span ${fmt(widestSlope, 1)}` : ''} |`,
    longTask
      ? `| a 30-minute task stays under the continue-as-new threshold or continues as new | ${verdictText(longTaskVerdict!)} | a count, not a sample: met if it continued as new or its longest run stayed under the threshold measured in this run | ${longTask.polls} polls, ${longTask.runs} run(s), at most ${longTask.maxEventsInOneRun} events in one run (${typeof longTaskThreshold === 'number' ? `server suggested continue-as-new at ${longTaskThreshold} events, measured` : longTask.continueAsNewSource === 'measured' ? 'the server did not suggest continue-as-new within the probe' : 'threshold not measured in this run'}) |`
      : '',
    at1000
      ? `| worker RSS ≤ 400 MB with 1,000 in flight (polling every 4.5 s, SDK default cache) | ${verdictText(at1000.workerRssMb <= 400 ? 'met' : 'not met')} | ${ONE_READING_RULE} | ${at1000.workerRssMb} MB |`
      : '| worker RSS ≤ 400 MB with 1,000 in flight (polling every 4.5 s) | _not measured_ (no such level in this results file) | – | run `npm run bench` |',
    overhead
      ? `| orchestration overhead p50 ≤ 1 s | ${verdictText(overheadInterval ? intervalVerdict(overheadInterval, { atMost: 1 }) : 'not judged (not recorded in this results file)')} | met only if the 95 % interval of p50(workflow) − p50(plain) lies at or below 1 s; not met if wholly above | ${overhead.overheadP50S} s${overheadInterval ? ` (95 % CI ${fmt(overheadInterval)} s)` : ''} (workflow ${overhead.workflowP50S} s vs plain script ${overhead.plainP50S} s, ${overhead.taskSeconds} s task, ${overhead.intervalMs} ms polls) |`
      : '',
    ...frontierTargetRows(policies),
    ...actionsTargetRows(policies),
    ...waitTargetRows(results),
    ...entryLoadTargetRows(results.entryLoad),
    '',
    ...explainMisses(dominance, scaling),
    '## Runs kept',
    '',
    'Every full run kept in `bench/results/`, newest first, each judged by the same rule (runs measured on other machines are not comparable row by row).',
    '',
    ...keptRunsSection(root),
    '## Waiting policies',
    '',
    `![status calls vs detection latency](${CHART_FILE})`,
    '',
    `Dashed lines: the fixed-polling frontier of each distribution (${FRONTIER_POLICIES.join(', ')}, the undominated ones joined in order of calls; p50). The default is judged against it on p50 and p95 in the targets table.`,
    '',
    '| distribution | policy (as it ran) | stands for | generations | status calls / gen | detection p50 (s) | p95 (s) | p99 (s) | completed by webhook | history events / gen | events / poll | Temporal Cloud Actions / gen (estimate) | timers fired late: p99 / worst (s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...policies.map(
      (p) =>
        `| ${p.distribution} | ${policyAsRun(p)} | ${p.standsFor} | ${p.generations} | ${p.statusCallsPerGeneration} | ${p.detectionLatencyP50S} | ${p.detectionLatencyP95S} | ${p.detectionLatenciesS?.length ? round(percentile(p.detectionLatenciesS, 99)) : '–'} | ${p.completedByWebhook !== undefined ? p.completedByWebhook : '–'} | ${p.historyEventsPerGeneration || '–'} | ${p.historyEventsPerPoll || '–'} | ${p.actionsPerGeneration ?? '–'} | ${p.timerLateP99S !== undefined && p.timerLateP99S !== null ? `${p.timerLateP99S} / ${p.timerLateMaxS}` : '–'} |`,
    ),
    '',
    'Latencies are real-time equivalent seconds (compressed time divided by the distribution\'s time scale), except for generations completed by webhook: those are wall-clock seconds (a delivery does not compress). "events / poll" is the slope of history events over status calls; the retry form and the webhook wait add none per check ("–").',
    '',
    'Distributions (real time, uniform per `n_frames`, half the generations each; generated from their parameters):',
    '',
    ...distributions.map((d) => `- ${describeDistribution(d)}`),
    '',
    'Timer lateness is read from each history (TimerFired − TimerStarted − the requested delay). Under this load the',
    'dev server fires a few timers many seconds late; a generation whose detecting timer is one of them lands in the p95',
    'column, whatever its schedule. Compare p95s within a run, and read the p50s for the schedules themselves.',
    '',
    'In each round all policies of a distribution ran at the same time, so they met the same server and worker load.',
    ...timerResolutionText(results),
    ...cycleStretch(policies),
    '',
    ...waitSections(results),
    ...actionsSection(policies),
    `### Worker cost per generation (each policy alone, ${workerCost[0]?.generations ?? 0} generations of a fixed ${workerCost[0]?.taskSeconds ?? 0} s task, real time, ${costRounds} round(s))`,
    '',
    costRounds === 1 && workerCost[0]?.positions
      ? 'One worker, one round: the policies ran one after another in the order listed (a smoke run, no rotation).'
      : costRounds > 1
        ? `One long-lived worker; the policy order rotates every round${rotationCoverage(workerCost)}. CPU is the total over its rounds divided by its generations; peak RSS is the highest over its rounds; with ${costRounds} rounds the per-round figures are a range, not an interval.`
        : 'One long-lived worker, policies one after another in the order listed (this results file predates order rotation: later policies ran on a warmer, larger worker).',
    '',
    '| policy | worker CPU ms / generation | per round (position) | worker peak RSS (MB) |',
    '|---|---|---|---|',
    ...workerCost.map(
      (c) =>
        `| ${c.policy} | ${c.workerCpuMsPerGeneration} | ${c.perRoundCpuMsPerGeneration ? c.perRoundCpuMsPerGeneration.map((v, i) => `${v} (${c.positions?.[i] ?? '?'})`).join(', ') : '–'} | ${c.workerPeakRssMb} |`,
    ),
    '',
    '## Overhead and throughput',
    '',
    overhead
      ? `- Orchestration overhead (same ${overhead.taskSeconds} s task, same ${overhead.intervalMs} ms polls, ${overhead.generations} generations, real time${overhead.roundOrder ? `; ${overhead.roundOrder.length} rounds, ${overhead.roundOrder.join(' / ')}` : '; the plain script always first'}): plain script p50 ${overhead.plainP50S} s, workflow p50 ${overhead.workflowP50S} s → overhead p50 ${overhead.overheadP50S} s${overheadInterval ? ` (95 % CI ${fmt(overheadInterval)} s)` : ''}, p95 of pairwise differences ${overhead.overheadP95S} s.`
      : '',
    ...(overhead && results.overheadCommit
      ? [
          '',
          'The overhead was re-measured alone (`node dist/bench/run.js --overhead-only`, same machine):',
          ...stampLines('overhead-commit', results.overheadCommit),
          '',
        ]
      : []),
    throughput
      ? `- Throughput: ${throughput.generations} short generations started at once completed in ${throughput.seconds} s = **${throughput.completedPerSecond} generations/s**, ${throughput.workerCpuMsPerGeneration} worker CPU ms each.`
      : '',
    results.accountBudget
      ? `- Account budget: ${results.accountBudget.generations} generations with a budget against as many without, started in pairs: **+${results.accountBudget.extraLatencyP50S} s** per generation at p50 (p95 +${results.accountBudget.extraLatencyP95S} s; lease, commit and settle); one budget granted **${results.accountBudget.leasesPerSecond} leases/s** (${results.accountBudget.leases} leases, each released, ${results.accountBudget.concurrency} at once; round trip p50 ${results.accountBudget.leaseP50Ms} ms, p95 ${results.accountBudget.leaseP95Ms} ms; ${results.accountBudget.retriedAsks} asks turned away by the in-flight limit and retried).`
      : '- Account budget: not measured in this results file (`node dist/bench/run.js --budget-only`).',
    '',
    ...pipelinesSection(results.batch, results.saveThroughput, results.pipelinesCommit),
    ...entryLoadSection(results.entryLoad, results.entryLoadCommit),
    '## Scaling (generations in flight: polling every 4.5 s, or webhooks on)',
    '',
    '| in flight | waiting | worker cache | tasks created | start time (s) | worker RSS (MB) | V8 heap committed / live after GC (MB) | outside the V8 heap (MB) | worker CPU ms per generation per minute | status query p50 / p95 (ms), failed | status checks/s demanded | sustained | window nominal / measured (s) | cores busy: worker / dev server / client + simulator |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...scaling.map(
      (s) =>
        `| ${s.inFlight} | ${s.waiting === 'webhooks' ? 'webhooks on (safety net idle in the window)' : 'polling every 4.5 s'} | ${s.maxCachedWorkflows ?? 'SDK default'} | ${s.tasksCreated ?? s.inFlight} | ${s.startSeconds} | ${s.workerRssMb} | ${s.memory ? `${s.memory.heapCommittedMb} / ${s.memory.heapLiveAfterGcMb}` : '–'} | ${s.memory?.outsideHeapMb ?? '–'} | ${s.workerCpuMsPerGenerationPerMinute} | ${queryText(s)} | ${s.statusChecksPerSecondDemanded} | ${s.statusChecksPerSecondSustained} | ${s.measuredWindowMs ? `${(s.windowMs ?? 0) / 1000} / ${(s.measuredWindowMs / 1000).toFixed(1)}` : 'nominal only (older file: rates over the nominal window)'} | ${s.cores ? `${s.cores.worker} / ${s.cores.devServer} / ${s.cores.clientAndSimulator}` : '–'} |`,
    ),
    '',
    'A status query waits for a worker to answer it, so it measures the whole loop (server, worker, cache); a query that is not answered before the client gives up counts as failed.',
    'Rates (checks/s, CPU per minute) are divided by the measured window, which the last query can stretch past the nominal one.',
    'Cores busy show where the machine goes: when the dev server (one process, SQLite) is the busiest part, the rate it sustains is the ceiling, not the worker.',
    "With webhooks on, the hour-long tasks send no event during the window and the safety net's first check is due at twice the expected duration: the worker holds idle waits, and status queries to workflows evicted from a bounded cache replay them (their latency and the worker's cores show that cost). Completions arriving by webhook at this scale are not part of this level.",
    'Worker RSS is the peak over the window; the memory split is read inside the worker at the end of the window. "SDK default" caches every workflow here (the SDK sizes the cache from the heap limit); a bounded cache (`RIVYA_WORKER_MAX_CACHED_WORKFLOWS`) trades memory for replaying evicted workflows on every wake-up.',
    '',
    ...serverScalingSection(results),
  ];
  writeFileSync(join(root, 'BENCHMARKS.md'), lines.filter((line) => line !== undefined).join('\n'));
}
