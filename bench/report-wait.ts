/**
 * The issue #13 part of BENCHMARKS.md: targets for webhooks, the wait by activity retries and the
 * learned expectation, and the sections that explain them. Same rules as the rest of the report:
 * a verdict only from an interval (or, for a count or a one-shot peak, the rule that says so),
 * "not measured" when this results file holds no figure for it.
 */
import { FIXED_5S_POLICY, DEFAULT_POLICY, RETRIES_POLICY, TIMER_POLICY, WEBHOOKS_DROPPED_POLICY, WEBHOOKS_POLICY } from './policies';
import type { BenchResults } from './result-types';
import type { PolicyResult } from './scenarios/policy-comparison';
import type { ScalingResult } from './scenarios/scaling';
import { outcomeCounts } from './cluster-report';
import {
  intervalVerdict,
  meanDifferenceInterval,
  meanInterval,
  median,
  medianDifferenceInterval,
  medianRatioInterval,
  percentile,
  percentileInterval,
  round,
  type Verdict,
} from './stats';

type WaitVerdict = Verdict | 'not measured';

const fmt = ([low, high]: [number, number], digits = 2) => `${low.toFixed(digits)} to ${high.toFixed(digits)}`;
const verdictText = (verdict: WaitVerdict) => (verdict === 'not met' ? '**not met**' : verdict === 'met' ? 'met' : `_${verdict}_`);
const row = (target: string, verdict: WaitVerdict, rule: string, figures: string) =>
  `| ${target} | ${verdictText(verdict)} | ${rule} | ${figures} |`;

const find = (policies: PolicyResult[], distribution: string, name: string) =>
  policies.find((p) => p.distribution === distribution && p.policy === name);

/** Combines two interval verdicts: not met if either is, met only if both are. */
function both(a: Verdict, b: Verdict): Verdict {
  if (a === 'not met' || b === 'not met') return 'not met';
  return a === 'met' && b === 'met' ? 'met' : 'not distinguishable from noise';
}

export const LEARNING_RULE =
  'met only if the 95 % interval of p50(learned) / p50(5 s) lies at or below 1.5 and that of the mean calls difference (learned − 5 s) below 0; not met if either lies wholly on the wrong side; otherwise not distinguishable from noise';

/** Item 7: the schedule without an expected duration, against the fixed 5 s poller, per distribution. */
function learningRows(policies: PolicyResult[]): string[] {
  const distributions = [...new Set(policies.map((p) => p.distribution))];
  const rows = distributions.flatMap((d) => {
    const learned = find(policies, d, DEFAULT_POLICY);
    const five = find(policies, d, FIXED_5S_POLICY);
    if (!learned || !five || !learned.statusCallsAll || !five.statusCallsAll) return [];
    const ratio = medianRatioInterval(learned.detectionLatenciesS, five.detectionLatenciesS);
    const calls = meanDifferenceInterval(learned.statusCallsAll, five.statusCallsAll);
    const verdict = both(intervalVerdict(ratio, { atMost: 1.5 }), intervalVerdict(calls, { below: 0 }));
    const floor = learned.floorDistortion?.length
      ? `; input floor at time scale ${learned.timeScale}: ${learned.floorDistortion.join(', ')}`
      : '';
    return [
      row(
        `default (learned expectation): p50 within 1.5× of the 5 s poller's, with fewer calls (${d})`,
        verdict,
        LEARNING_RULE,
        `${learned.generations} vs ${five.generations} generations; p50 ${learned.detectionLatencyP50S} s vs ${five.detectionLatencyP50S} s (ratio 95 % CI ${fmt(ratio)}); ` +
          `${learned.statusCallsPerGeneration} vs ${five.statusCallsPerGeneration} calls (difference 95 % CI ${fmt(calls)})${coldWarm(learned, five)}${floor}`,
      ),
    ];
  });
  for (const d of ['typical', 'fast-4x', 'slow-4x']) {
    if (!distributions.includes(d) || !find(policies, d, DEFAULT_POLICY))
      rows.push(
        row(
          `default (learned expectation): p50 within 1.5× of the 5 s poller's, with fewer calls (${d})`,
          'not measured',
          LEARNING_RULE,
          'no such row in this results file',
        ),
      );
  }
  return rows;
}

/** Round 1 ran on a fresh worker (built-in guess until five completions); later rounds on what it had learned. */
function coldWarm(learned: PolicyResult, five: PolicyResult): string {
  const rounds = learned.roundOf;
  if (!rounds || !five.roundOf || Math.max(...rounds) === 0) return '; one round: a fresh worker, learning during it';
  const split = (p: PolicyResult, warm: boolean) => {
    const keep = p.roundOf!.map((r) => r > 0 === warm);
    const lat = p.detectionLatenciesS.filter((_, i) => keep[i]);
    const calls = (p.statusCallsAll ?? []).filter((_, i) => keep[i]);
    return `p50 ${round(median(lat))} s, ${round(calls.reduce((a, b) => a + b, 0) / Math.max(calls.length, 1))} calls (n = ${lat.length})`;
  };
  return `; round 1 on a fresh worker: ${split(learned, false)} vs 5 s ${split(five, false)}; later rounds: ${split(learned, true)} vs 5 s ${split(five, true)}`;
}

/** Item 6 targets on the typical distribution, webhooks on. */
function webhookRows(policies: PolicyResult[], receiver: string | undefined): string[] {
  const on = find(policies, 'typical', WEBHOOKS_POLICY);
  const targets = ['≤ 1.2 status calls per generation', 'detection p50 ≤ 0.5 s', 'detection p95 ≤ 2 s'];
  if (!on?.statusCallsAll)
    return targets.map((t) => row(`webhooks on (typical): ${t}`, 'not measured', '–', 'no webhook row in this results file'));
  const calls = meanInterval(on.statusCallsAll);
  const p50 = percentileInterval(on.detectionLatenciesS, 50);
  const p95 = percentileInterval(on.detectionLatenciesS, 95);
  const via = `${on.completedByWebhook ?? 0} of ${on.generations} completed by webhook; latencies in wall-clock seconds (receiver: ${receiver ?? 'not recorded'})`;
  return [
    row(
      `webhooks on (typical): ${targets[0]}`,
      intervalVerdict(calls, { atMost: 1.2 }),
      'met only if the 95 % interval of the mean (bootstrap over generations) lies at or below 1.2; not met if wholly above',
      `${on.statusCallsPerGeneration} calls (95 % CI ${fmt(calls)}), ${on.generations} generations`,
    ),
    row(
      `webhooks on (typical): ${targets[1]}`,
      intervalVerdict(p50, { atMost: 0.5 }),
      'met only if the 95 % interval of the p50 (bootstrap) lies at or below 0.5 s; not met if wholly above',
      `p50 ${percentileText(on.detectionLatenciesS, 50)} s (95 % CI ${fmt(p50, 3)} s); ${via}`,
    ),
    row(
      `webhooks on (typical): ${targets[2]}`,
      intervalVerdict(p95, { atMost: 2 }),
      'met only if the 95 % interval of the p95 (bootstrap) lies at or below 2 s; not met if wholly above',
      `p95 ${percentileText(on.detectionLatenciesS, 95)} s (95 % CI ${fmt(p95, 3)} s); ${via}`,
    ),
  ];
}

const percentileText = (values: number[], p: number) => round(percentile(values, p), 3);

const HISTORY_RULE =
  'a count per generation, not a sample: met if every generation measured (and every run of the 30-minute task) has at most 30 events; not met if any has more';

/** ≤ 30 history events per generation whatever the task length: the retry form's rows and the 30-minute task. */
function historyRow(results: BenchResults): string {
  const rows = results.policies.filter((p) => (p.policy === RETRIES_POLICY || p.policy === DEFAULT_POLICY) && p.historyEventsAll?.length);
  const long = results.longTask?.style === 'activity-retry' ? results.longTask : undefined;
  if (rows.length === 0 && !long)
    return row(
      '≤ 30 history events per generation, any task length (retry form)',
      'not measured',
      HISTORY_RULE,
      'no retry-form row in this results file',
    );
  const maxima = rows.map((p) => ({
    d: p.distribution,
    policy: p.policy,
    max: Math.max(...p.historyEventsAll!),
    n: p.historyEventsAll!.length,
  }));
  const worst = Math.max(...maxima.map((m) => m.max), long?.maxEventsInOneRun ?? 0);
  const figures = [
    ...maxima.map((m) => `${m.d} (${m.policy}): at most ${m.max} over ${m.n} generations`),
    ...(long
      ? [`30-minute task: ${long.totalEvents ?? long.maxEventsInOneRun} events in ${long.runs} run(s) for ${long.polls} checks`]
      : []),
  ].join('; ');
  return row(
    '≤ 30 history events per generation, any task length (retry form, no webhooks)',
    worst <= 30 ? 'met' : 'not met',
    HISTORY_RULE,
    figures,
  );
}

const RSS_RULE =
  "one reading per cache size (a peak, not a sample): met if some measured cache size stays at or below 400 MB with node's default flags (the plugin's own workflow-thread heap limit applies, shown per row), with its CPU shown; not met if none does (a row with node flags is shown, not judged)";

/** How a level's cache reads: "plugin default (100)", "SDK default (2310)", "100"; older files: undefined was the SDK's. */
function cacheLabel(s: ScalingResult): string {
  const label = s.maxCachedWorkflows ?? 'SDK default';
  const size = typeof label === 'number' ? '' : s.cacheSize !== undefined ? ` (${s.cacheSize})` : '';
  return `${label}${size}${s.workerNodeOptions ? `, node ${s.workerNodeOptions}` : ''}`;
}

/** Where the memory lies at the end of the window: the workflow threads' heaps hold the cached workflows. */
function memoryText(s: ScalingResult): string {
  const m = s.memory;
  if (!m?.workflowThreads?.length) return '';
  const threads = m.workflowThreads
    .map((t) => `${t.heapUsedMb} used / ${t.heapLiveAfterGcMb} live${t.heapLimitMb !== undefined ? ` (limit ${t.heapLimitMb})` : ''}`)
    .join(', ');
  return ` (at the end: ${m.rssMb} MB, of which workflow thread heap ${threads}, main heap ${m.heapUsedMb} used, ${m.outsideHeapMb} outside the V8 heaps)`;
}

/** Marginal MB per generation in flight between two webhook levels of one cache setting. */
function marginalText(levels: ScalingResult[]): string[] {
  const byCache = new Map<string, ScalingResult[]>();
  for (const s of levels) byCache.set(cacheLabel(s), [...(byCache.get(cacheLabel(s)) ?? []), s]);
  return [...byCache.entries()].flatMap(([cache, rows]) => {
    const sorted = [...rows].sort((a, b) => a.inFlight - b.inFlight);
    const [small, large] = [sorted[0]!, sorted[sorted.length - 1]!];
    if (large.inFlight === small.inFlight) return [];
    const perGeneration = (large.workerRssMb - small.workerRssMb) / (large.inFlight - small.inFlight);
    return [
      `marginal with cache ${cache}: ${perGeneration.toFixed(2)} MB of peak RSS per generation in flight (${small.inFlight} → ${large.inFlight})`,
    ];
  });
}

/**
 * Worker RSS ≤ 400 MB at 1,000 in flight with webhooks on: every cache setting measured (the plugin's
 * default its own entry), its cost in CPU and query latency (an evicted workflow replays when queried).
 */
function rssRow(scaling: ScalingResult[]): string {
  const target = 'worker RSS ≤ 400 MB at 1,000 in flight, webhooks on (bounded cache)';
  const webhooks = scaling.filter((s) => s.waiting === 'webhooks');
  const levels = webhooks.filter((s) => s.inFlight === 1_000);
  if (levels.length === 0) {
    return row(
      target,
      'not measured',
      RSS_RULE,
      webhooks.length
        ? `only ${webhooks.map((s) => `${s.inFlight} in flight (cache ${cacheLabel(s)}): ${s.workerRssMb} MB`).join('; ')} in this results file`
        : 'no webhook scaling level in this results file',
    );
  }
  const text = levels.map(
    (s) =>
      `cache ${cacheLabel(s)}: ${s.workerRssMb} MB${memoryText(s)}, worker ${s.cores?.worker ?? '?'} cores, ${s.workerCpuMsPerGenerationPerMinute} CPU ms / generation / min, status query p50 / p95 ${s.statusQueryP50Ms} / ${s.statusQueryP95Ms} ms`,
  );
  const fits = levels.filter((s) => s.workerRssMb <= 400 && !s.workerNodeOptions);
  return row(target, fits.length > 0 ? 'met' : 'not met', RSS_RULE, [...text, ...marginalText(webhooks)].join('; '));
}

/** The rows for the targets table. */
export function waitTargetRows(results: BenchResults): string[] {
  return [
    ...webhookRows(results.policies, results.webhookReceiver),
    historyRow(results),
    rssRow(results.scaling),
    ...learningRows(results.policies),
  ];
}

/** Timer loop against activity retries (same schedule, no webhooks), with intervals. */
function timerVersusRetries(results: BenchResults): string[] {
  const lines: string[] = [];
  for (const d of [...new Set(results.policies.map((p) => p.distribution))]) {
    const retries = find(results.policies, d, RETRIES_POLICY);
    const timer = find(results.policies, d, TIMER_POLICY);
    if (!retries || !timer || !retries.statusCallsAll || !timer.statusCallsAll) continue;
    const calls = meanDifferenceInterval(retries.statusCallsAll, timer.statusCallsAll);
    const p50 = medianDifferenceInterval(retries.detectionLatenciesS, timer.detectionLatenciesS);
    const events =
      retries.historyEventsAll && timer.historyEventsAll
        ? meanDifferenceInterval(retries.historyEventsAll, timer.historyEventsAll)
        : undefined;
    lines.push(
      `- ${d} (${retries.generations} generations each): calls ${retries.statusCallsPerGeneration} vs ${timer.statusCallsPerGeneration} (retries − timer 95 % CI ${fmt(calls)}); ` +
        `p50 ${retries.detectionLatencyP50S} s vs ${timer.detectionLatencyP50S} s (CI ${fmt(p50)} s); p95 ${retries.detectionLatencyP95S} s vs ${timer.detectionLatencyP95S} s; ` +
        `history events ${retries.historyEventsPerGeneration} vs ${timer.historyEventsPerGeneration}${events ? ` (CI ${fmt(events, 1)})` : ''}.`,
    );
  }
  const cost = (name: string) => results.workerCost.find((c) => c.policy === name);
  const [r, t] = [cost(RETRIES_POLICY), cost(TIMER_POLICY)];
  if (r && t)
    lines.push(
      `- Worker cost (${r.generations} generations of a ${r.taskSeconds} s task each, rounds rotated): ${r.workerCpuMsPerGeneration} vs ${t.workerCpuMsPerGeneration} CPU ms per generation (per round: ${(r.perRoundCpuMsPerGeneration ?? []).join(', ')} vs ${(t.perRoundCpuMsPerGeneration ?? []).join(', ')}), peak RSS ${r.workerPeakRssMb} vs ${t.workerPeakRssMb} MB.`,
    );
  const [lr, lt] = [results.longTask, results.longTaskTimer];
  if (lr?.style === 'activity-retry' && lt)
    lines.push(
      `- 30-minute task: ${lr.totalEvents ?? lr.maxEventsInOneRun} history events for ${lr.polls} checks by retries vs ${lt.totalEvents ?? lt.maxEventsInOneRun} for ${lt.polls} checks on timers.`,
    );
  if (lines.length === 0) return [];
  return [
    '### Activity retries against the timer loop (same schedule, no webhooks)',
    '',
    'Every workflow row waits by activity retries (the default) except "adaptive, timer loop". Differences are retries − timer, 95 % bootstrap intervals; an interval that spans 0 is no measurable difference.',
    '',
    ...lines,
    '',
  ];
}

function webhookSection(results: BenchResults): string[] {
  const rows = [WEBHOOKS_POLICY, WEBHOOKS_DROPPED_POLICY].flatMap((name) => results.policies.filter((p) => p.policy === name));
  if (rows.length === 0) return [];
  const lines = rows.map((p) => {
    const byPoll = p.detectionLatenciesS.length - (p.webhookLatenciesS?.length ?? 0);
    const web = p.webhookLatenciesS ?? [];
    const polled = p.detectionLatenciesS.filter((_, i) => p.byWebhookAll?.[i] === false);
    return (
      `- ${p.policy} (${p.distribution}, ${p.generations} generations): ${p.completedByWebhook ?? 0} completed by webhook (wall-clock p50 ${web.length ? round(median(web), 3) : '–'} s, p95 ${web.length ? round(percentile(web, 95), 3) : '–'} s), ` +
      `${byPoll} by the safety-net check${polled.length > 0 ? ` (real-time equivalent p50 ${round(median(polled), 1)} s, worst ${round(Math.max(...polled), 1)} s)` : ''}; ${p.statusCallsPerGeneration} status calls per generation, ${p.historyEventsPerGeneration} history events.`
    );
  });
  return [
    '### Webhooks',
    '',
    `Deliveries are the simulator's signed ones (Standard Webhooks, D8/S10), to an endpoint registered on it for 127.0.0.1; the "10 % dropped" row gets the simulator's \`drop\` fault on a tenth of its deliveries (drawn per delivery, seeded). Receiver: ${results.webhookReceiver ?? 'not recorded'}. Webhook rows run with search attributes on (the receiver finds the workflow by RivyaTaskId), which adds their upserts to those rows' history events.`,
    ...(results.webhookOutcomes
      ? [
          `Receiver outcomes over the comparisons: ${outcomeCounts(results.webhookOutcomes.byOutcome) || 'none'}; ${results.webhookOutcomes.filtered} deliveries of policies without webhooks kept from it by the bench filter.`,
        ]
      : []),
    'A webhook does not compress with the time scale: the latency of a generation completed by webhook is wall-clock seconds as measured, not divided by the scale (the webhook targets are judged on those). A generation the safety net found is reported like every status check, in real-time equivalent seconds.',
    '',
    ...lines,
    '',
  ];
}

function phaseSection(results: BenchResults): string[] {
  if (!results.phases?.length) return [];
  return [
    '### Run time per phase',
    '',
    '| phase | estimated at start (s) | took (s) |',
    '|---|---|---|',
    ...results.phases.map((p) => `| ${p.phase} | ${p.estimatedS} | ${p.actualS ?? 'not reached'} |`),
    '',
  ];
}

/** Per distribution: its time scale, rounds and the input floor's effect on each policy. */
function compressionSection(results: BenchResults): string[] {
  const lines = [...new Set(results.policies.map((p) => p.distribution))].flatMap((d) => {
    const rows = results.policies.filter((p) => p.distribution === d);
    const scale = rows.find((p) => p.timeScale !== undefined)?.timeScale;
    if (scale === undefined) return [];
    const rounds = Math.max(0, ...rows.flatMap((p) => p.roundOf ?? [0])) + 1;
    const raised = rows.filter((p) => p.floorDistortion?.length).map((p) => `${p.policy} (${p.floorDistortion!.join(', ')})`);
    return [
      `- ${d}: time scale ${scale}, ${rounds} round(s), ${rows[0]?.generations ?? 0} generations per row. ${raised.length ? `Raised by the 1 s input floor, in real-time equivalent: ${raised.join('; ')}.` : 'The 1 s input floor raises no wait of any row.'}`,
    ];
  });
  if (lines.length === 0) return [];
  return [
    'Compression per distribution. Waits under 1 s are raised to 1 s by the input (INPUT_LIMITS.minPollIntervalMs), and the retry form never retries sooner than 1 s; a raised wait is slower than the schedule it stands for, in real-time equivalent:',
    '',
    ...lines,
    '',
  ];
}

/** The sections placed after the waiting-policies table. */
export function waitSections(results: BenchResults): string[] {
  return [...compressionSection(results), ...timerVersusRetries(results), ...webhookSection(results), ...phaseSection(results)];
}
