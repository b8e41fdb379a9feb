/** BENCHMARKS.md's main-entry load rows and section, from bench/entry-load.ts's stored results. */
import { ENTRY_LOAD_MAX_PACKAGES, ENTRY_LOAD_MAX_RATIO, type EntryLoadResult } from './entry-load';
import { stampLines, type GitStamp } from './git-stamp';
import { intervalVerdict, type Verdict } from './stats';

const word = (verdict: Verdict) => (verdict === 'not met' ? '**not met**' : verdict === 'met' ? 'met' : `_${verdict}_`);

/** The two goals in the Targets table (nothing when the results file holds no entry-load run). */
export function entryLoadTargetRows(result: EntryLoadResult | undefined): string[] {
  if (!result) return [];
  const { library, client } = result;
  const packages = library.packages.length;
  return [
    `| the main entry loads ≤ ${ENTRY_LOAD_MAX_PACKAGES} npm packages | ${word(packages <= ENTRY_LOAD_MAX_PACKAGES ? 'met' : 'not met')} | a count, not a sample (the same in every round): compared directly with the limit | ${packages} packages (\`@temporalio/client\` alone: ${client.packages.length}) |`,
    `| the main entry's require time ≤ ${ENTRY_LOAD_MAX_RATIO} × \`@temporalio/client\`'s | ${word(intervalVerdict(result.ratioInterval, { atMost: ENTRY_LOAD_MAX_RATIO }))} | met only if the 95 % interval of median(entry) / median(client) lies at or below ${ENTRY_LOAD_MAX_RATIO}; not met if wholly above | ${result.ratioMedian}× (95 % CI ${result.ratioInterval[0]} to ${result.ratioInterval[1]}); p50 ${library.medianMs} vs ${client.medianMs} ms over ${result.rounds} rounds |`,
  ];
}

/** How quiet the machine was: a load above its core count means other work shared it, in both medians alike. */
function loadText(result: EntryLoadResult): string {
  if (!result.loadAverage) return '';
  const [before, after] = result.loadAverage;
  const busy = Math.max(before, after) > result.cpus;
  return ` Machine load (1-minute average): ${before} before, ${after} after, on ${result.cpus} cores${busy ? ' — other work shared the machine, and both subjects carry it' : ''}.`;
}

/** The BENCHMARKS.md section. */
export function entryLoadSection(result: EntryLoadResult | undefined, commit?: GitStamp): string[] {
  if (!result) return [];
  const { library, client } = result;
  const extra = library.packages.filter((name) => !client.packages.includes(name));
  const lines = ['## Loading the main entry', ''];
  // Re-measured alone by `--entry-load-only`: its own commit, which may differ from the run's.
  if (commit) lines.push(...stampLines('entry-load-commit', commit), '');
  lines.push(
    `Each \`require\` in a fresh Node ${result.node} process, ${result.rounds} rounds alternating which goes first, after one unrecorded warm-up round (a warm file cache, as a backend's restart sees it). Time: the \`require\` call itself (resolution, reads, compilation, top-level code), not Node's start.${loadText(result)}`,
    '',
    '| required | require p50 (ms) | p95 (ms) | npm packages loaded |',
    '|---|---|---|---|',
    `| ${library.label} | ${library.medianMs} | ${library.p95Ms} | ${library.packages.length} |`,
    `| ${client.label} | ${client.medianMs} | ${client.p95Ms} | ${client.packages.length} |`,
    '',
    `- Entry / client: **${result.ratioMedian}×** the client's median (95 % CI ${result.ratioInterval[0]} to ${result.ratioInterval[1]}).`,
    `- Packages the entry loads beyond the client's: ${extra.length ? extra.map((name) => `\`${name}\``).join(', ') : 'none'}${client.packages.some((name) => !library.packages.includes(name)) ? ' (and the client loads some the entry does not)' : ''}.`,
    "- Packages are counted by the last `node_modules/<name>` of each loaded file; this repository's own files are not under `node_modules`, so an installed copy counts one more (the package itself).",
    '',
  );
  return lines;
}
