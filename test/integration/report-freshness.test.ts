/**
 * Stale reports: BENCHMARKS.md and RELIABILITY.md stamp the commit each section was measured at.
 * This WARNS (never fails) with what `npm run reports:check`, the release gate, would refuse — a
 * section measured on a dirty tree, unstamped, or whose measured code changed since — so a reader
 * of `npm test` output knows a report needs a fresh `npm run bench` / `npm run test:chaos`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStamp } from '../../bench/git-stamp';
import { stampProblems } from '../../bench/report-stamps';

const ROOT = join(__dirname, '..', '..');
const REPORTS = [
  { file: 'BENCHMARKS.md', rerun: 'npm run bench' },
  { file: 'RELIABILITY.md', rerun: 'npm run test:chaos' },
];

/** The warnings for one report: the release gate's problems (bench/report-stamps.ts), here informational. */
function freshnessWarnings(file: string, rerun: string): string[] {
  const path = join(ROOT, file);
  if (!existsSync(path)) return [`${file} is missing: run \`${rerun}\``];
  return stampProblems(ROOT, file, readFileSync(path, 'utf8')).map(
    (problem) => `${problem}; re-run \`${rerun}\` (\`npm run reports:check\` is the gate)`,
  );
}

test('reports state the commit they were measured at; stale ones are flagged (warning only)', () => {
  for (const { file, rerun } of REPORTS) {
    for (const warning of freshnessWarnings(file, rerun)) console.warn(`report freshness: ${warning}`);
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
