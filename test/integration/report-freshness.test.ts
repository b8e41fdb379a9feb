/**
 * Stale reports: BENCHMARKS.md and RELIABILITY.md each stamp the commit their figures were measured
 * at. This WARNS (never fails) when code the reports cover changed after that commit, so a reader
 * of `npm test` output knows a report needs a fresh `npm run bench` / `npm run test:chaos`.
 * Tolerates a missing git, a shallow clone and reports without a stamp (each becomes a warning).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStamp, REPORT_COVERED_PATHS } from '../../bench/git-stamp';

const ROOT = join(__dirname, '..', '..');
const REPORTS = [
  { file: 'BENCHMARKS.md', rerun: 'npm run bench' },
  { file: 'RELIABILITY.md', rerun: 'npm run test:chaos' },
];

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // No git, not a repository, or the commit is not in this (shallow) clone.
    return undefined;
  }
}

/** The warning for one report, or undefined when it is fresh. */
function freshnessWarning(file: string, rerun: string): string | undefined {
  const path = join(ROOT, file);
  if (!existsSync(path)) return `${file} is missing: run \`${rerun}\``;
  const stamp = readStamp(readFileSync(path, 'utf8'), 'data-commit');
  if (!stamp?.commit) return `${file} states no commit its figures were measured at: treat it as possibly stale (\`${rerun}\`)`;
  if (git(['cat-file', '-e', `${stamp.commit}^{commit}`]) === undefined) {
    return `${file} was measured at ${stamp.commit.slice(0, 12)}, which this clone does not have (shallow clone or no git): freshness not checked`;
  }
  const changes = git(['log', '--format=%h %s', `${stamp.commit}..HEAD`, '--', ...REPORT_COVERED_PATHS]);
  if (changes === undefined) return `${file}: git log failed, freshness not checked`;
  const lines = changes.split('\n').filter(Boolean);
  const dirty = stamp.dirty ? ' (and it was measured on a dirty tree)' : '';
  if (lines.length === 0) return stamp.dirty ? `${file} was measured on a dirty tree at ${stamp.commit.slice(0, 12)}` : undefined;
  return (
    `${file} may be stale: ${lines.length} commit(s) changed ${REPORT_COVERED_PATHS.join('/, ')}/ since it was measured at ${stamp.commit.slice(0, 12)}${dirty}; ` +
    `re-run \`${rerun}\`. Newest: ${lines.slice(0, 3).join('; ')}`
  );
}

test('reports state the commit they were measured at; stale ones are flagged (warning only)', () => {
  for (const { file, rerun } of REPORTS) {
    const warning = freshnessWarning(file, rerun);
    if (warning) console.warn(`report freshness: ${warning}`);
  }
  // Freshness never fails the suite (it is information for the reader), but a report must say
  // which commit it was measured at: without that stamp nothing above can be checked.
  for (const { file } of REPORTS) {
    expect({ file, stamped: Boolean(readStamp(readFileSync(join(ROOT, file), 'utf8'), 'data-commit')?.commit) }).toEqual({
      file,
      stamped: true,
    });
  }
});
