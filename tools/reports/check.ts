/**
 * `npm run reports:check`: the release gate for BENCHMARKS.md and RELIABILITY.md. Fails (exit 1)
 * when a section was measured on a dirty tree, carries no stamp, or measured code that has changed
 * since; prints what to re-run. Not part of `.ci/run`: reports are regenerated before a release,
 * not on every commit (npm test only warns).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stampProblems } from '../../bench/report-stamps';
import { packageRoot } from '../../src/internal/package-root';

const REPORTS = [
  { file: 'BENCHMARKS.md', rerun: 'npm run bench' },
  { file: 'RELIABILITY.md', rerun: 'npm run test:chaos' },
];

function main(): number {
  const root = packageRoot();
  let failed = false;
  for (const { file, rerun } of REPORTS) {
    const problems = stampProblems(root, file, readFileSync(join(root, file), 'utf8'));
    if (problems.length === 0) {
      console.log(`ok   ${file}: every section measured on a clean tree, nothing it measured changed since`);
      continue;
    }
    failed = true;
    console.log(`FAIL ${file} (re-run \`${rerun}\` on a clean commit):`);
    for (const problem of problems) console.log(`  - ${problem}`);
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
