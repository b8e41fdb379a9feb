/**
 * BENCHMARKS.md's server comparison: the levels of bench/cluster-scaling.ts on the dev server and
 * on the PostgreSQL-backed server side by side, the 10,000-in-flight target judged from the
 * cluster's webhook rows, what bounds a level (from where the cores went), and whether the timer
 * tail is the dev server's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from './result-types';
import type { ServerScalingResult } from './cluster-scaling';

const TARGET_IN_FLIGHT = 10_000;
const TARGET_SHARE = 0.95;

const num = (value: number | null | undefined, suffix = '') =>
  value === undefined || value === null || !Number.isFinite(value) ? '–' : `${value}${suffix}`;
const share = (sustained: number | undefined, demanded: number | undefined) =>
  sustained !== undefined && demanded !== undefined && demanded > 0 && Number.isFinite(sustained)
    ? `${Math.round((sustained / demanded) * 100)} %`
    : '–';

function waitingText(r: ServerScalingResult): string {
  if (r.waiting === 'webhooks') return `webhooks on, ${r.taskSeconds ?? '?'} s tasks, each replaced when it ends`;
  return r.waiting === 'timer-loop' ? 'timer loop, a check every 4.5 s' : 'activity retries, a check every 4.5 s';
}

/** A receiver's answers by outcome, zeros left out: "signalled 336, temporal-unavailable 1463". */
export function outcomeCounts(byOutcome: Readonly<Record<string, number>>, order: 'as recorded' | 'most first' = 'as recorded'): string {
  const outcomes = Object.entries(byOutcome).filter(([, n]) => n > 0);
  if (order === 'most first') outcomes.sort(([, a], [, b]) => b - a);
  return outcomes.map(([outcome, n]) => `${outcome} ${n}`).join(', ');
}

/** What the receiver answered during a webhook level (a delivery answered "Temporal unavailable" is retried by Rivya, not lost). */
export function receiverText(r: Pick<ServerScalingResult, 'receiverOutcomes'>): string {
  const total = Object.values(r.receiverOutcomes ?? {}).reduce((sum, n) => sum + Math.max(0, n), 0);
  return total > 0 ? `; receiver answered ${total}: ${outcomeCounts(r.receiverOutcomes!, 'most first')}` : '';
}

function row(r: ServerScalingResult): string {
  if (r.error) {
    return `| ${r.inFlight} | ${waitingText(r)} | ${r.workers} | ${r.server === 'cluster' ? 'PostgreSQL' : 'dev'} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | | |`;
  }
  const checks = `${num(r.statusChecksPerSecondSustained)} of ${num(r.statusChecksPerSecondDemanded)} (${share(r.statusChecksPerSecondSustained, r.statusChecksPerSecondDemanded)})`;
  const completions =
    r.completionsPerSecondDemanded !== undefined
      ? `${num(r.completionsPerSecondSustained)} of ${num(r.completionsPerSecondDemanded)} (${share(r.completionsPerSecondSustained, r.completionsPerSecondDemanded)}); detected p50 / p95 ${num(r.webhookDetectionP50S)} / ${num(r.webhookDetectionP95S)} s, ${r.webhookSampleClosed ?? 0} of ${r.webhookSampleSize ?? 0} closed; backlog ${r.startBacklogAtEnd ?? 0}${receiverText(r)}`
      : '–';
  const c = r.cores;
  const timers = r.timerLate
    ? `${r.timerLate.p50S} / ${r.timerLate.p99S} / ${r.timerLate.maxS} (${r.timerLate.timers} timers${r.timerLate.unfiredAtRead ? `, ${r.timerLate.unfiredAtRead} unfired at read` : ''})`
    : '–';
  const query = Number.isFinite(r.statusQueryP50Ms)
    ? `${r.statusQueryP50Ms} / ${r.statusQueryP95Ms}, ${r.statusQueryFailures}`
    : `none answered, ${r.statusQueryFailures}`;
  return (
    `| ${r.inFlight} | ${waitingText(r)} | ${r.workers} | ${r.server === 'cluster' ? 'PostgreSQL' : 'dev'} | ${r.tasksCreated} in ${num(r.settleSeconds)} s (starts ${num(r.startSeconds)} s) | ` +
    `${checks} | ${completions} | ${query} | ${r.workerRssMb.join(' + ') || '–'} | ${num(r.workerCpuMsPerGenerationPerMinute)} | ` +
    `${num(c.workers)} / ${num(c.temporalServer)} / ${num(c.postgres)} / ${num(c.clientAndSimulator)} / ${num(c.machine)} | ${timers} | ${(r.measuredWindowMs / 1000).toFixed(1)} |`
  );
}

const levelKey = (r: ServerScalingResult) => `${String(r.inFlight).padStart(6, '0')}-${r.waiting}-${r.workers}`;

/** What bounds a level, read off its cores: the machine full, and which part used most of it. */
function boundText(r: ServerScalingResult, cpus: number): string {
  const c = r.cores;
  const parts: Array<[string, number]> = [
    ['the worker processes', c.workers],
    ['the Temporal server', c.temporalServer],
    ['PostgreSQL', c.postgres ?? 0],
    ['the bench process (client, simulator, receiver)', c.clientAndSimulator],
  ];
  parts.sort((a, b) => b[1] - a[1]);
  const full = c.machine >= cpus * 0.9;
  return (
    `the machine's ${cpus} cores were ${full ? 'full' : 'not full'} (${c.machine} busy): ` +
    parts.map(([name, cores]) => `${name} ${cores}`).join(', ') +
    (full ? ` — CPU bounds it, the largest share in ${parts[0]![0]}` : '')
  );
}

/**
 * A full run does not measure the server comparison (a separate command does): when this results
 * file holds none, the newest results file that does is shown, named.
 */
function carriedOver(): { rows: ServerScalingResult[]; file: string } | undefined {
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  try {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('-full.json'))
      .sort()
      .reverse()) {
      const rows = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResults).serverScaling;
      if (rows?.length) return { rows, file };
    }
  } catch {
    // no results directory: nothing to carry over
  }
  return undefined;
}

export function serverScalingSection(results: BenchResults): string[] {
  const carried = results.serverScaling?.length ? undefined : carriedOver();
  const rows = results.serverScaling?.length ? results.serverScaling : (carried?.rows ?? []);
  if (rows.length === 0) return [];
  const cpus = results.machine.cpus;
  const sorted = [...rows].sort((a, b) => levelKey(a).localeCompare(levelKey(b)) || (a.server === 'dev' ? -1 : 1));
  const lines = [
    '## Scaling on the production server: dev server vs PostgreSQL',
    '',
    `Measured by \`node dist/bench/run.js --scaling-only --server cluster\` and \`… --server dev\` (after \`npm run build\`; ~15 min each, not part of \`npm run bench\`), merged into ${carried ? `\`${carried.file}\` (this run's results file holds none: shown from the newest that does)` : 'this results file'}.`,
    'Every level runs on a fresh stack: either the dev server (`temporal server start-dev`, one process, SQLite) or the production shape from `src/cluster` (PostgreSQL 15 + Temporal server 1.29.1 with SQL visibility, 4 history shards, the deploy/ dynamic config, in a temporary data directory deleted after), with the given number of bench worker processes (the packaged worker, SDK default cache). ' +
      "The simulator and the plugin's webhook receiver (`startWebhookReceiver`: signature check, routing by RivyaTaskId through visibility, signal) run in the bench process. Everything shares the same machine, so every part competes for its cores.",
    '',
    '| in flight | waiting | workers | server | tasks created (settle, starts) | status checks/s sustained of demanded | webhook completions/s sustained of demanded | status query p50 / p95 (ms), failed | worker RSS (MB, each) | worker CPU ms per generation per minute | cores busy: workers / Temporal server / PostgreSQL / bench process / whole machine | timers late p50 / p99 / max (s) | window (s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...sorted.map(row),
    '',
    'Polling levels: hour-long tasks, a check every 4.5 s (N / 4.5 demanded), search attributes off, as in the scaling table above. ' +
      'Webhook levels: every task lasts the given time; the first N end staggered over one task duration, and each ended task is replaced by a new generation, so N stay in flight and N / duration deliveries per second are due (a steady state: starts = completions). ' +
      'Search attributes on (the receiver routes by them); the default schedule with webhooks on, told the task’s length (what the worker’s learner arrives at after a few completions), so the safety net’s first check (twice that) lies past the level and almost no status check is due. Sustained completions are generations closed during the window (a visibility count); detection is task end → workflow closed for up to 300 tasks that ended in the window, read 15 s after it; backlog is replacement starts still queued at the end.',
    'Timer lateness (timer loop only; the retry form and the webhook wait start no timer per check) is read from 200 histories: fired − started − requested for every timer started in the window; a timer not yet fired when read counts as late by at least its overdue time.',
    '',
  ];

  // The target: 10,000 in flight with webhooks, on PostgreSQL.
  const target = rows.filter((r) => r.server === 'cluster' && r.waiting === 'webhooks' && r.inFlight >= TARGET_IN_FLIGHT && !r.error);
  if (target.length > 0) {
    const best = target.reduce((a, b) =>
      (b.completionsPerSecondSustained ?? 0) / (b.completionsPerSecondDemanded || 1) >
      (a.completionsPerSecondSustained ?? 0) / (a.completionsPerSecondDemanded || 1)
        ? b
        : a,
    );
    const ratio = (best.completionsPerSecondSustained ?? 0) / (best.completionsPerSecondDemanded || Number.NaN);
    const checksOk =
      best.statusChecksPerSecondDemanded === 0 || best.statusChecksPerSecondSustained >= TARGET_SHARE * best.statusChecksPerSecondDemanded;
    const met = ratio >= TARGET_SHARE && checksOk && best.tasksCreated >= best.inFlight && (best.startBacklogAtEnd ?? 0) === 0;
    lines.push(
      `**Target: ${TARGET_IN_FLIGHT.toLocaleString('en-US')} in flight with webhooks sustained at ≥ ${TARGET_SHARE * 100} % of what they demand, on PostgreSQL: ${met ? 'met' : 'not met'}** ` +
        `(one window per level, one reading, no interval: best of ${target.length} worker count(s), ${best.workers} worker(s): ${best.completionsPerSecondSustained} of ${best.completionsPerSecondDemanded} completions/s = ${Number.isFinite(ratio) ? Math.round(ratio * 100) : '–'} %, ` +
        `${best.statusChecksPerSecondSustained} status checks/s (demanded ${best.statusChecksPerSecondDemanded}), ${best.tasksCreated} of ${best.inFlight} tasks created in ${best.settleSeconds} s, start backlog ${best.startBacklogAtEnd ?? 0}).`,
    );
    const dev = rows.find(
      (r) => r.server === 'dev' && r.waiting === 'webhooks' && r.inFlight === best.inFlight && r.workers === best.workers && !r.error,
    );
    if (dev)
      lines.push(
        `The dev server at the same level: ${dev.completionsPerSecondSustained} of ${dev.completionsPerSecondDemanded} completions/s (${share(dev.completionsPerSecondSustained, dev.completionsPerSecondDemanded)}), ${dev.tasksCreated} of ${dev.inFlight} tasks created in ${dev.settleSeconds} s ` +
          `(${(dev.tasksCreated / dev.settleSeconds).toFixed(1)}/s against ${(best.tasksCreated / best.settleSeconds).toFixed(1)}/s on PostgreSQL): on one machine the in-memory SQLite dev server does the same work for less CPU than PostgreSQL + the full server, so it is not a ceiling the production shape lifts here.`,
      );
    lines.push('');
  }

  // Little's law: what the measured start and completion rates hold in flight for tasks of typical length.
  for (const r of rows.filter((x) => x.server === 'cluster' && x.waiting === 'webhooks' && !x.error && x.settleSeconds > 0)) {
    const ramp = r.tasksCreated / r.settleSeconds;
    lines.push(
      `Throughput bounds what "in flight" can mean (${r.inFlight.toLocaleString('en-US')} in flight, ${r.workers} worker(s)): the generations were started and their tasks created at ${ramp.toFixed(1)} per second ` +
        `(${r.tasksCreated} in ${r.settleSeconds} s, the machine ${r.rampMachineCores ?? '?'} of ${cpus} cores busy), and in the window ${r.completionsPerSecondSustained} completions/s were sustained of ${r.completionsPerSecondDemanded} due, with ${r.startsPerSecondInWindow ?? 0} replacement starts/s. ` +
        `A steady state holds (turnover × task length) in flight (Little's law): ${r.inFlight.toLocaleString('en-US')} in flight needs ${(r.inFlight / (r.taskSeconds ?? 600)).toFixed(1)} starts and completions per second with ${r.taskSeconds ?? 600} s tasks, ` +
        `but ${(r.inFlight / 150).toFixed(0)} per second at the typical distribution's ~150 s mean; at the ramp's ${ramp.toFixed(1)} per second this stack holds ~${Math.round(ramp * 150).toLocaleString('en-US')} generations of 150 s in flight.`,
      '',
    );
  }

  // What bounds each cluster level that fell short.
  const short = rows.filter((r) => {
    if (r.server !== 'cluster' || r.error) return false;
    const checks = r.statusChecksPerSecondDemanded > 0 && r.statusChecksPerSecondSustained < TARGET_SHARE * r.statusChecksPerSecondDemanded;
    const completions =
      r.completionsPerSecondDemanded !== undefined &&
      (r.completionsPerSecondSustained ?? 0) < TARGET_SHARE * r.completionsPerSecondDemanded;
    return checks || completions || r.tasksCreated < r.inFlight;
  });
  if (short.length > 0) {
    lines.push('What bounds the PostgreSQL levels that fell short of what they demand:', '');
    for (const r of short) lines.push(`- ${r.inFlight} in flight, ${waitingText(r)}, ${r.workers} worker(s): ${boundText(r, cpus)}.`);
    lines.push('');
  }

  // The timer tail: the same timer-loop levels on both servers, smallest first.
  const timerRows = rows.filter((r) => r.waiting === 'timer-loop' && r.timerLate && !r.error);
  const sizes = [...new Set(timerRows.map((r) => r.inFlight))].sort((a, b) => a - b);
  const sustainedShare = (r: ServerScalingResult) => share(r.statusChecksPerSecondSustained, r.statusChecksPerSecondDemanded);
  const describe = (r: ServerScalingResult) =>
    `${r.server === 'cluster' ? 'PostgreSQL' : 'dev server'} p99 ${r.timerLate!.p99S} s, worst ${r.timerLate!.maxS} s late at ${sustainedShare(r)} of the demanded checks (machine ${r.cores.machine} cores busy)`;
  const verdictAt = (dev: ServerScalingResult | undefined, cluster: ServerScalingResult | undefined): string => {
    if (!dev || !cluster) return 'not compared (one server only)';
    if (cluster.timerLate!.p99S < 1 && dev.timerLate!.p99S >= 1 && dev.timerLate!.p99S >= 10 * cluster.timerLate!.p99S)
      return `the lateness is the dev server's: PostgreSQL fires the same timers on time (p99 ${cluster.timerLate!.p99S} s against ${dev.timerLate!.p99S} s)`;
    if (cluster.timerLate!.p99S >= 10 && dev.timerLate!.p99S >= 10)
      return 'not a dev-server artifact: both servers fire late once the machine cannot keep up with the demanded checks (timers wait behind the backlog of workflow and activity tasks)';
    if (cluster.timerLate!.p99S < 5 && dev.timerLate!.p99S < 5) return 'neither server fires late at this load';
    return 'mixed';
  };
  if (sizes.length > 0) {
    const policyLate = results.policies.flatMap((p) =>
      p.timerLateP99S !== undefined && p.timerLateP99S !== null ? [p.timerLateP99S] : [],
    );
    const policyTail = policyLate.length
      ? ` (timers fired late by p99 ${Math.min(...policyLate) === Math.max(...policyLate) ? Math.min(...policyLate) : `${Math.min(...policyLate)}–${Math.max(...policyLate)}`} s in this run's policy table, on the dev server)`
      : '';
    lines.push(`**Timer tail${policyTail}, the same timer-loop level on both servers:**`, '');
    for (const size of sizes) {
      const dev = timerRows.find((r) => r.inFlight === size && r.server === 'dev');
      const cluster = timerRows.find((r) => r.inFlight === size && r.server === 'cluster');
      lines.push(
        `- ${size} in flight (${Math.round(size / 4.5)} checks/s demanded): ${[dev, cluster]
          .filter((r): r is ServerScalingResult => r !== undefined)
          .map(describe)
          .join('; ')} — ${verdictAt(dev, cluster)}.`,
      );
    }
    lines.push('');
  }
  return lines;
}
