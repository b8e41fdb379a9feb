/**
 * Hand-off from the hostile-input suite to the reliability report: cases tried per class. Written
 * only when every test of the hostile suite passed, stamped with the run's profile and time; the
 * report uses it only when it matches the chaos run's profile and is recent (else says so).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type HostileCaseCounts = Record<string, number>;

export interface HostileCountsFile {
  /** CHAOS_PROFILE of the hostile run (`ci` unless set). */
  profile: string;
  writtenAt: string;
  /** Every test of test/integration/hostile-input.test.ts passed in that run. */
  passed: true;
  counts: HostileCaseCounts;
}

const COUNTS_FILE = join(__dirname, '..', '..', '.reliability', 'hostile-cases.json');
/** Older than this before the chaos run started: counts of another session, not this run's. */
export const HOSTILE_COUNTS_MAX_AGE_MS = 3 * 60 * 60 * 1000;

/**
 * Failed tests of the running test file, from jest-circus's own run state (the afterAll of the
 * file's last describe sees every earlier test's errors). `undefined` when that state cannot be
 * found: the caller must then treat the suite as not passed.
 */
function failedTestsOfThisFile(): string[] | undefined {
  const symbol = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  type Block = { name: string; children?: Array<Block & { type: string; errors?: unknown[] }> };
  const state = symbol
    ? (globalThis as unknown as Record<symbol, { rootDescribeBlock?: Block; unhandledErrors?: unknown[] }>)[symbol]
    : undefined;
  if (!state?.rootDescribeBlock) return undefined;
  const failed: string[] = [];
  const walk = (block: Block) => {
    for (const child of block.children ?? []) {
      if (child.type === 'test' && (child.errors?.length ?? 0) > 0) failed.push(child.name);
      if (child.type === 'describeBlock') walk(child);
    }
  };
  walk(state.rootDescribeBlock);
  if ((state.unhandledErrors?.length ?? 0) > 0) failed.push('unhandled errors');
  return failed;
}

/**
 * Call from the afterAll of the hostile suite's last describe. Writes the counts only when every
 * test passed; otherwise removes an older file so no report can show counts of a failed run.
 */
export function recordHostileCountsIfPassed(counts: HostileCaseCounts): void {
  const failed = failedTestsOfThisFile();
  if (failed === undefined || failed.length > 0) {
    rmSync(COUNTS_FILE, { force: true });
    console.warn(
      `hostile counts not recorded: ${failed === undefined ? 'the test run state could not be read' : `failed: ${failed.join('; ')}`}`,
    );
    return;
  }
  recordHostileCounts(counts);
}

export function recordHostileCounts(counts: HostileCaseCounts, profile = process.env.CHAOS_PROFILE ?? 'ci', at = new Date()): void {
  const file: HostileCountsFile = { profile, writtenAt: at.toISOString(), passed: true, counts };
  mkdirSync(dirname(COUNTS_FILE), { recursive: true });
  writeFileSync(COUNTS_FILE, JSON.stringify(file, null, 2));
}

export type HostileCountsReading = { state: 'ok'; file: HostileCountsFile } | { state: 'missing' } | { state: 'stale'; why: string };

/** The counts for a chaos run of `profile` started at `runStartedAt`, or why they cannot be used. */
export function readHostileCounts(profile: string, runStartedAt: Date, path = COUNTS_FILE): HostileCountsReading {
  if (!existsSync(path)) return { state: 'missing' };
  let file: Partial<HostileCountsFile>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Partial<HostileCountsFile>;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return { state: 'stale', why: 'the counts file is not valid JSON' };
  }
  if (file.passed !== true || !file.counts || !file.writtenAt)
    return { state: 'stale', why: 'the counts file carries no pass stamp (older format)' };
  if (file.profile !== profile)
    return { state: 'stale', why: `the counts are from profile \`${file.profile}\`, this run is \`${profile}\`` };
  const ageMs = runStartedAt.getTime() - Date.parse(file.writtenAt);
  if (!(ageMs <= HOSTILE_COUNTS_MAX_AGE_MS) || ageMs < -HOSTILE_COUNTS_MAX_AGE_MS) {
    return { state: 'stale', why: `the counts were written ${file.writtenAt}, more than 3 h from this run's start` };
  }
  return { state: 'ok', file: file as HostileCountsFile };
}

/**
 * What each class's count proves: which function or path the cases went through and what was
 * checked. Only the class run through the real workflow reads the simulator's ledger.
 */
const PURE_INPUT =
  "called `checkSora2Input` (the workflow's input check, a pure function) and asserted a refusal naming the bad field; no workflow, no network, no ledger";
const ACCEPTED_INPUT = 'called `checkSora2Input` and asserted acceptance (the boundary that must not be refused); no workflow, no ledger';
const FILE_CHECK =
  "called the upload activity's checks (`readLocalReference` / `inspectImageBytes`, outside any workflow) on files in a temp directory and asserted a typed refusal; no network, no ledger";
const PATH_CHECK =
  'called `resolveLocalReference` and asserted a refusal of every path escaping the reference directory; no network, no ledger';
const SWAP_CHECK =
  'called `readLocalReference` on swapped files and asserted `ReferenceRejected` (and no bytes read from outside); no ledger';
const HOSTILE_UPSTREAM =
  'sent the `RivyaClient` calls to a local hostile HTTP server and asserted the typed client error code (and that nothing reached the redirect target); no simulator, no ledger';
const URL_GUARD = 'called `checkReferenceUrl` (a pure function) and asserted it threw; no network, no ledger';

export const HOSTILE_CLASS_PROOF: Record<string, string> = {
  'prompt over 10000 characters (unicode)': PURE_INPUT,
  'blank prompt (whitespace and control characters)': PURE_INPUT,
  'params key off the list': PURE_INPUT,
  'params value off the list': PURE_INPUT,
  'more than one reference': PURE_INPUT,
  'non-https reference URL': PURE_INPUT,
  'reference as bytes': PURE_INPUT,
  'oversized metadata (keys or bytes)': PURE_INPUT,
  'oversized compensation arguments': PURE_INPUT,
  'deadline or durations past their caps': PURE_INPUT,
  'valid prompt boundary (accepted)': ACCEPTED_INPUT,
  'random bytes': FILE_CHECK,
  'truncated PNG': FILE_CHECK,
  'disguised format': FILE_CHECK,
  'polyglot (image + trailing file)': FILE_CHECK,
  'garbage between PNG chunks': FILE_CHECK,
  'absurd image dimensions': FILE_CHECK,
  '10 MB + 1 byte': FILE_CHECK,
  'path escaping the reference directory': PATH_CHECK,
  'Rivya answer redirects (status × call)': HOSTILE_UPSTREAM,
  'oversized or compressed-bomb answers': HOSTILE_UPSTREAM,
  'reference swapped (link, FIFO, directory)': SWAP_CHECK,
  'forbidden address URL': URL_GUARD,
  'sampled through the workflow':
    "started the real workflow on a real worker with the simulator and asserted `ValidationFailed`; then read the simulator's ledger: no createGeneration or upload call, no task",
};

export function hostileClassProof(name: string): string {
  return HOSTILE_CLASS_PROOF[name] ?? 'no description recorded for this class (add it to test/chaos/hostile-counts.ts)';
}
