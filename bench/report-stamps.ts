/**
 * Every measurement stamp a report carries (`<!-- <section>-commit: <sha> dirty=<bool> -->`), and
 * what is wrong with them for a release: a section measured on a dirty tree, one whose commit
 * this clone cannot check, one whose measured code (MEASURED_CODE_PATHSPECS) changed since, and a
 * section measured on its own that carries no stamp of its own. Read by the `reports:check` gate
 * (tools/reports/check.ts) and, as warnings, by test/integration/report-freshness.test.ts.
 */
import { git, MEASURED_CODE_PATHSPECS, REPORT_COVERED_PATHS, type GitStamp } from './git-stamp';

export interface SectionStamp extends GitStamp {
  /** The stamp's label: `data-commit` for the report as a whole, `<section>-commit` for a section measured alone. */
  label: string;
}

/** Sections measured by their own command: each must carry its own stamp (heading → what re-measures it). */
export const SEPARATELY_MEASURED_SECTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'BENCHMARKS.md': {
    'Scaling on the production server': 'node dist/bench/run.js --scaling-only --server cluster (and --server dev)',
  },
  'RELIABILITY.md': {},
};

/** Every stamp in the text but the renderer's own (`report-commit` says when it was rendered, not measured). */
export function readAllStamps(text: string): SectionStamp[] {
  return [...text.matchAll(/<!-- ([\w-]+-commit): (\S+) dirty=(\S+) -->/g)]
    .filter((match) => match[1] !== 'report-commit')
    .map((match) => ({
      label: match[1]!,
      commit: match[2] === 'unknown' ? null : match[2]!,
      dirty: match[3] === 'unknown' ? null : match[3] === 'true',
    }));
}

/** The `## ` sections named in `headings` that hold no stamp of their own. */
function unstampedSections(text: string, headings: readonly string[]): string[] {
  const sections = text.split(/^## /m).slice(1);
  return headings.filter((heading) => {
    const section = sections.find((s) => s.startsWith(heading));
    return section !== undefined && readAllStamps(section).length === 0;
  });
}

/** What keeps one report from passing the release gate; empty when every section is fresh and clean. */
export function stampProblems(root: string, file: string, text: string, head = 'HEAD'): string[] {
  const stamps = readAllStamps(text);
  const problems: string[] = [];
  if (!stamps.some((stamp) => stamp.label === 'data-commit'))
    problems.push(`${file}: no data-commit stamp (no commit its figures were measured at)`);
  for (const stamp of stamps) {
    const where = `${file} ${stamp.label}`;
    if (!stamp.commit) {
      problems.push(`${where}: measured at an unknown commit`);
      continue;
    }
    if (stamp.dirty !== false)
      problems.push(`${where}: measured on a ${stamp.dirty ? 'dirty' : 'possibly dirty'} tree at ${stamp.commit.slice(0, 12)}`);
    if (git(root, ['cat-file', '-e', `${stamp.commit}^{commit}`]) === null) {
      problems.push(`${where}: commit ${stamp.commit.slice(0, 12)} is not in this clone, so its freshness cannot be checked`);
      continue;
    }
    const changes = (git(root, ['log', '--format=%h %s', `${stamp.commit}..${head}`, '--', ...MEASURED_CODE_PATHSPECS]) ?? '')
      .split('\n')
      .filter(Boolean);
    if (changes.length > 0)
      problems.push(
        `${where}: ${changes.length} commit(s) changed measured code under ${REPORT_COVERED_PATHS.join('/, ')}/ since ${stamp.commit.slice(0, 12)} (newest: ${changes.slice(0, 2).join('; ')})`,
      );
  }
  const separate = SEPARATELY_MEASURED_SECTIONS[file] ?? {};
  for (const heading of unstampedSections(text, Object.keys(separate)))
    problems.push(`${file} "${heading}": measured by its own command (${separate[heading]}) but carries no stamp of its own`);
  return problems;
}
