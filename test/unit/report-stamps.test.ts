/**
 * The release gate's reading of report stamps (bench/report-stamps.ts), against this repository's
 * own history: fixed commit ranges, so the verdicts do not move as the repository grows.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readAllStamps, stampProblems } from '../../bench/report-stamps';

const ROOT = join(__dirname, '..', '..');
/** b0cee7c (results), 867dc7f/072b623 (BENCHMARKS.md), 0867b03 (bench/report.ts, a unit test): render-only. */
const [MEASURED, RENDERED_AFTER] = ['1b37c0ba973443c4d9935e3c16b27d47f67728fc', '072b623'];
/** 1b37c0b changed bench/scenarios/overhead.ts: measured code. */
const BEFORE_MEASURED_CHANGE = '8c51bdc';
const stamp = (label: string, commit: string, dirty = false) => `<!-- ${label}: ${commit} dirty=${dirty} -->`;
const hasHistory = (() => {
  try {
    execFileSync('git', ['cat-file', '-e', `${BEFORE_MEASURED_CHANGE}^{commit}`], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// A shallow clone lacks these commits; every other check here needs none.
const withHistory = hasHistory ? test : test.skip;

test('reads every section stamp but the renderer’s own', () => {
  const text = [stamp('data-commit', 'abc'), stamp('report-commit', 'def'), stamp('overhead-commit', 'unknown')].join('\n');
  expect(readAllStamps(text)).toEqual([
    { label: 'data-commit', commit: 'abc', dirty: false },
    { label: 'overhead-commit', commit: null, dirty: false },
  ]);
});

withHistory('a stamp followed only by render-only commits is fresh; one followed by measured code is stale', () => {
  expect(stampProblems(ROOT, 'X.md', stamp('data-commit', MEASURED), RENDERED_AFTER)).toEqual([]);
  const stale = stampProblems(ROOT, 'X.md', stamp('data-commit', BEFORE_MEASURED_CHANGE), RENDERED_AFTER);
  expect(stale).toHaveLength(1);
  expect(stale[0]).toMatch(
    /X\.md data-commit: 1 commit\(s\) changed measured code .* since 8c51bdc.*1b37c0b bench: overhead off the poll grid/,
  );
});

withHistory('a dirty stamp, an unknown commit and a missing data-commit each fail', () => {
  expect(stampProblems(ROOT, 'X.md', stamp('data-commit', MEASURED, true), RENDERED_AFTER)).toEqual([
    'X.md data-commit: measured on a dirty tree at 1b37c0ba9734',
  ]);
  expect(stampProblems(ROOT, 'X.md', stamp('data-commit', 'unknown'), RENDERED_AFTER)).toEqual([
    'X.md data-commit: measured at an unknown commit',
  ]);
  expect(stampProblems(ROOT, 'X.md', stamp('overhead-commit', MEASURED), RENDERED_AFTER)).toEqual([
    'X.md: no data-commit stamp (no commit its figures were measured at)',
  ]);
});

withHistory('a section measured by its own command must carry its own stamp', () => {
  const head = `# B\n${stamp('data-commit', MEASURED)}\n## Waiting policies\n…\n## Scaling on the production server: dev server vs PostgreSQL\n`;
  expect(stampProblems(ROOT, 'BENCHMARKS.md', `${head}| rows |\n`, RENDERED_AFTER)).toEqual([
    expect.stringMatching(/^BENCHMARKS\.md "Scaling on the production server": measured by its own command/),
  ]);
  expect(stampProblems(ROOT, 'BENCHMARKS.md', `${head}${stamp('server-scaling-commit', MEASURED)}\n| rows |\n`, RENDERED_AFTER)).toEqual(
    [],
  );
});
