/**
 * The issue #26 part of BENCHMARKS.md: the default against the fixed-polling frontier on every
 * distribution (the burst start split into a fresh and a warm worker), and the Temporal Cloud
 * Actions each policy costs. Verdicts only from intervals (bench/frontier.ts), "not measured" when
 * the results file holds no such rows.
 */
import { ACTIONS_RULES, ACTIONS_SOURCE } from './actions';
import { FRONTIER_RULE, judgeAgainstFrontier, type CallsAndLatencies } from './frontier';
import { DEFAULT_POLICY, FIXED_5S_POLICY, FRONTIER_POLICIES, WEBHOOKS_DROPPED_POLICY, WEBHOOKS_POLICY } from './policies';
import { BURST_DISTRIBUTION } from './scenarios/distributions';
import type { PolicyResult } from './scenarios/policy-comparison';
import { intervalVerdict, meanDifferenceInterval, round, type Verdict } from './stats';

/** Every distribution the default must be judged on; the burst start once per worker state. */
export const FRONTIER_CASES = [
  'typical',
  'long-tail',
  'fast-4x',
  'slow-4x',
  `${BURST_DISTRIBUTION}, fresh worker`,
  `${BURST_DISTRIBUTION}, warm worker`,
];

const fmt = ([low, high]: [number, number]) => `${low.toFixed(2)} to ${high.toFixed(2)}`;
const verdictText = (verdict: Verdict | 'not measured') =>
  verdict === 'not met' ? '**not met**' : verdict === 'met' ? 'met' : `_${verdict}_`;

/** A row's generations of the chosen rounds (all: undefined), calls and latencies kept paired. */
function samples(p: PolicyResult, rounds?: 'first' | 'later'): CallsAndLatencies | undefined {
  if (!p.statusCallsAll?.length) return undefined;
  const keep = (i: number) => !rounds || (rounds === 'first') === ((p.roundOf?.[i] ?? 0) === 0);
  const index = p.detectionLatenciesS.map((_, i) => i).filter(keep);
  if (index.length === 0) return undefined;
  return { calls: index.map((i) => p.statusCallsAll![i]!), latencies: index.map((i) => p.detectionLatenciesS[i]!) };
}

/** The distribution and rounds a case reads. */
function caseOf(name: string): { distribution: string; rounds?: 'first' | 'later' } {
  if (name === `${BURST_DISTRIBUTION}, fresh worker`) return { distribution: BURST_DISTRIBUTION, rounds: 'first' };
  if (name === `${BURST_DISTRIBUTION}, warm worker`) return { distribution: BURST_DISTRIBUTION, rounds: 'later' };
  return { distribution: name };
}

/** One targets-table row per case: the default on or below the fixed-polling frontier, p50 and p95. */
export function frontierTargetRows(policies: readonly PolicyResult[]): string[] {
  return FRONTIER_CASES.map((name) => {
    const target = `default on or below the fixed-polling frontier, p50 and p95 (${name})`;
    const { distribution, rounds } = caseOf(name);
    const rows = policies.filter((p) => p.distribution === distribution);
    const ours = rows.find((p) => p.policy === DEFAULT_POLICY);
    const pollers = FRONTIER_POLICIES.flatMap((n) => rows.filter((p) => p.policy === n));
    const candidate = ours && samples(ours, rounds);
    const measured = pollers.flatMap((p) => {
      const s = samples(p, rounds);
      return s ? [{ policy: p.policy, s }] : [];
    });
    const frontier = measured.map((m) => m.s);
    if (!candidate || frontier.length < 2)
      return `| ${target} | ${verdictText('not measured')} | ${FRONTIER_RULE} | no default row or fewer than two fixed pollers with per-generation figures in this results file |`;
    const j = judgeAgainstFrontier(candidate, frontier);
    const points = measured
      .map(({ policy, s }) => `${policy.replace('fixed ', '')}: ${round(s.calls.reduce((a, b) => a + b, 0) / s.calls.length, 1)} calls`)
      .join(', ');
    const figures =
      `${candidate.latencies.length} generations; ${round(j.calls, 1)} calls (${j.position}; pollers ${points}); ` +
      `p50 ${round(j.p50.value)} s vs frontier ${round(j.p50.frontier)} s (difference 95 % CI ${fmt(j.p50.interval)} s: ${j.p50.verdict}); ` +
      `p95 ${round(j.p95.value)} s vs frontier ${round(j.p95.frontier)} s (CI ${fmt(j.p95.interval)} s: ${j.p95.verdict})`;
    return `| ${target} | ${verdictText(j.verdict)} | ${FRONTIER_RULE} | ${figures} |`;
  });
}

const ACTIONS_RULE =
  'met only if every 95 % interval (bootstrap over generations) of the mean Actions difference lies below 0; not met if any lies wholly at or above 0; otherwise not distinguishable from noise';

/** Combines interval verdicts: not met if any is, met only if all are. */
const all = (verdicts: Verdict[]): Verdict =>
  verdicts.includes('not met') ? 'not met' : verdicts.every((v) => v === 'met') ? 'met' : 'not distinguishable from noise';

/**
 * Item 5's goals, on the Actions estimate: with webhooks the fewest Actions of any policy (typical);
 * without, fewer than the 5 s poller (its latency is judged by the frontier rows).
 */
export function actionsTargetRows(policies: readonly PolicyResult[]): string[] {
  const rows: string[] = [];
  const typical = policies.filter((p) => p.distribution === 'typical' && p.actionsAll?.length);
  const web = typical.find((p) => p.policy === WEBHOOKS_POLICY);
  const target = 'webhooks on: the fewest Temporal Cloud Actions (estimate) of any policy (typical)';
  if (!web)
    rows.push(`| ${target} | ${verdictText('not measured')} | ${ACTIONS_RULE} | no webhook row with Actions in this results file |`);
  else {
    // The dropped-deliveries row is the same policy under a fault, not a rival.
    const others = typical.filter((p) => p !== web && p.policy !== WEBHOOKS_DROPPED_POLICY);
    const intervals = others.map((p) => ({ p, i: meanDifferenceInterval(web.actionsAll!, p.actionsAll!) }));
    const verdict = all(intervals.map(({ i }) => intervalVerdict(i, { below: 0 })));
    const closest = intervals.sort((a, b) => b.i[1] - a.i[1])[0];
    rows.push(
      `| ${target} | ${verdictText(verdict)} | ${ACTIONS_RULE} | ~${web.actionsPerGeneration} Actions per generation against ${others.length} other policies${closest ? `; closest: ${closest.p.policy} ~${closest.p.actionsPerGeneration} (difference 95 % CI ${fmt(closest.i)})` : ''} |`,
    );
  }
  for (const d of [...new Set(policies.map((p) => p.distribution))]) {
    const ours = policies.find((p) => p.distribution === d && p.policy === DEFAULT_POLICY && p.actionsAll?.length);
    const five = policies.find((p) => p.distribution === d && p.policy === FIXED_5S_POLICY && p.actionsAll?.length);
    if (!ours || !five) continue;
    const interval = meanDifferenceInterval(ours.actionsAll!, five.actionsAll!);
    rows.push(
      `| default: fewer Temporal Cloud Actions (estimate) than the 5 s poller (${d}; latency judged by the frontier row) | ${verdictText(intervalVerdict(interval, { below: 0 }))} | ${ACTIONS_RULE} | ~${ours.actionsPerGeneration} vs ~${five.actionsPerGeneration} per generation (difference 95 % CI ${fmt(interval)}) |`,
    );
  }
  return rows;
}

/** Actions per generation beside status calls and history events: webhooks, the default, the 5 s poller. */
export function actionsSection(policies: readonly PolicyResult[]): string[] {
  const shown = [WEBHOOKS_POLICY, DEFAULT_POLICY, FIXED_5S_POLICY];
  const lines = policies
    .filter((p) => shown.includes(p.policy) && p.actionsPerGeneration !== undefined)
    .map(
      (p) =>
        `- ${p.distribution}, ${p.policy}: ~${p.actionsPerGeneration} Actions, ${p.statusCallsPerGeneration} status calls, ${p.historyEventsPerGeneration} history events per generation.`,
    );
  if (lines.length === 0) return [];
  return [
    '### Temporal Cloud Actions (estimate)',
    '',
    `Temporal Cloud bills Actions, not history events. The "Actions / gen" column of the policies table is an **estimate** read from each generation's history by the rules of [Temporal Cloud Actions](${ACTIONS_SOURCE}): ${ACTIONS_RULES.join('; ')}. Each status check of the retry form is an activity retry, so it costs one Action and no history event. Queries, heartbeats and the dev server's own differences are not counted.`,
    '',
    ...lines,
    '',
  ];
}
