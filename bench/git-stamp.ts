/**
 * The commit a report was generated from (git rev-parse HEAD), and whether the work tree was
 * dirty: stamped into BENCHMARKS.md and RELIABILITY.md so a stale report can be told apart
 * (test/integration/report-freshness.test.ts reads the stamp back). Never throws: no git means "unknown".
 */
import { execFileSync } from 'node:child_process';

export interface GitStamp {
  commit: string | null;
  /** Uncommitted changes under the paths the report covers. */
  dirty: boolean | null;
}

/** What a report's figures depend on: a change here after the stamped commit makes the report stale. */
export const REPORT_COVERED_PATHS = ['src', 'workflows', 'activities', 'bench'];

/**
 * Under those paths, what measures nothing: the stored results, the chart, and the modules that
 * render and stamp reports from stored results (a change there is a re-render, which the
 * report-commit stamp records). Git pathspecs, added to REPORT_COVERED_PATHS where a tree is read.
 */
export const RENDER_ONLY_PATHSPECS = [
  ':(exclude)bench/results',
  ':(exclude)bench/status-calls-vs-latency.svg',
  ':(exclude,glob)bench/*report*.ts',
  ':(exclude)bench/git-stamp.ts',
];

/** The pathspecs of measured code: REPORT_COVERED_PATHS without the render-only files. */
export const MEASURED_CODE_PATHSPECS = [...REPORT_COVERED_PATHS, ...RENDER_ONLY_PATHSPECS];

/** Runs git in `root`: its trimmed output, or null when git, the repository or the revision is missing. */
export function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // No git, not a repository, or an unknown revision: the caller reports "unknown".
    return null;
  }
}

export function gitStamp(root: string, paths: readonly string[] = MEASURED_CODE_PATHSPECS): GitStamp {
  const commit = git(root, ['rev-parse', 'HEAD']);
  if (!commit) return { commit: null, dirty: null };
  const status = git(root, ['status', '--porcelain', '--', ...paths]);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

/** The machine-readable stamp line (an HTML comment) and the sentence a reader sees. */
export function stampLines(label: string, stamp: GitStamp): string[] {
  const dirty = stamp.dirty === null ? 'unknown' : String(stamp.dirty);
  return [
    `<!-- ${label}: ${stamp.commit ?? 'unknown'} dirty=${dirty} -->`,
    stamp.commit
      ? `${label === 'report-commit' ? 'Rendered' : 'Measured'} at commit \`${stamp.commit.slice(0, 12)}\`${stamp.dirty ? ' with uncommitted changes under src/, workflows/, activities/ or bench/ (dirty tree)' : stamp.dirty === null ? ' (tree state unknown)' : ' (clean tree)'}.`
      : `${label === 'report-commit' ? 'Rendered' : 'Measured'} at an unknown commit (no git available).`,
  ];
}

/** Reads a stamp back from a report's text: `undefined` when the report carries none. */
export function readStamp(text: string, label: string): GitStamp | undefined {
  const match = new RegExp(`<!-- ${label}: (\\S+) dirty=(\\S+) -->`).exec(text);
  if (!match) return undefined;
  return { commit: match[1] === 'unknown' ? null : match[1]!, dirty: match[2] === 'unknown' ? null : match[2] === 'true' };
}
