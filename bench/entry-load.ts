/**
 * What `require('rivya-sora2-temporal')` costs a backend next to the Temporal client it needs
 * anyway: the built main entry (dist/src/index.js) against `@temporalio/client`, each required in
 * a fresh Node process, alternating which goes first every round. Per load: the wall time of the
 * `require` call (module resolution, file reads, compilation, top-level code) and the distinct
 * npm packages it left in require.cache (the last `node_modules/<name>` of each path, as
 * test/e2e/lean-entry.test.ts counts them). One unrecorded warm-up round first: the figures are for a
 * warm file cache, as a backend's restart sees it.
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { median, medianRatioInterval, percentile, round } from './stats';

export interface EntryLoadSettings {
  rounds: number;
}

export interface EntryLoadSubject {
  /** What was required, as the report names it. */
  label: string;
  /** The `require` wall time of each round (ms). */
  requireMs: number[];
  medianMs: number;
  p95Ms: number;
  /** Distinct npm packages loaded (the same every round: a mismatch is an error). */
  packages: string[];
}

export interface EntryLoadResult extends EntryLoadSettings {
  library: EntryLoadSubject;
  client: EntryLoadSubject;
  /** median(library) / median(client) and its 95 % bootstrap interval. */
  ratioMedian: number;
  ratioInterval: [number, number];
  node: string;
  /** The machine's 1-minute load average before and after, and its cores: how quiet the measurement was. */
  loadAverage: [number, number];
  cpus: number;
}

/** The goals: the main entry loads at most this many packages, in at most this multiple of the client's time. */
export const ENTRY_LOAD_MAX_PACKAGES = 30;
export const ENTRY_LOAD_MAX_RATIO = 1.25;

/** Runs in the child: resolves first (untimed), times the require, lists the packages. */
const CHILD = `
const { performance } = require('node:perf_hooks');
const target = require.resolve(process.env.ENTRY_LOAD_TARGET, { paths: [process.cwd()] });
const started = performance.now();
require(target);
const ms = performance.now() - started;
const packages = new Set();
for (const file of Object.keys(require.cache)) {
  const matches = [...file.matchAll(/node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/g)];
  if (matches.length) packages.add(matches[matches.length - 1][1].replace(/\\\\/g, '/'));
}
process.stdout.write(JSON.stringify({ ms, packages: [...packages].sort() }), () => process.exit(0));
`;

interface Load {
  ms: number;
  packages: string[];
}

function loadOnce(root: string, target: string): Promise<Load> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD],
      { cwd: root, env: { PATH: process.env.PATH, ENTRY_LOAD_TARGET: target }, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`entry load of ${target} failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Load);
      },
    );
  });
}

function subject(label: string, loads: Load[]): EntryLoadSubject {
  const packages = loads[0]!.packages;
  const differing = loads.find((load) => load.packages.join() !== packages.join());
  if (differing)
    throw new Error(`entry load of ${label}: the packages differ between rounds (${packages.length} vs ${differing.packages.length})`);
  const requireMs = loads.map((load) => round(load.ms, 1));
  return { label, requireMs, medianMs: round(median(requireMs), 1), p95Ms: round(percentile(requireMs, 95), 1), packages };
}

/** `rounds` rounds, one child per subject each, the order alternating (library first on even rounds). */
export async function runEntryLoad(root: string, settings: EntryLoadSettings, log: (line: string) => void): Promise<EntryLoadResult> {
  const subjects = [
    { label: 'rivya-sora2-temporal (dist/src/index.js)', target: join(root, 'dist', 'src', 'index.js') },
    { label: '@temporalio/client', target: '@temporalio/client' },
  ];
  const loadBefore = round(loadavg()[0]!, 2);
  for (const { target } of subjects) await loadOnce(root, target); // warm-up, not recorded
  const loads: Load[][] = [[], []];
  for (let r = 0; r < settings.rounds; r += 1) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) loads[i]!.push(await loadOnce(root, subjects[i]!.target));
  }
  const [library, client] = subjects.map(({ label }, i) => subject(label, loads[i]!)) as [EntryLoadSubject, EntryLoadSubject];
  const ratioInterval = medianRatioInterval(library.requireMs, client.requireMs).map((v) => round(v, 2)) as [number, number];
  const result = {
    ...settings,
    library,
    client,
    ratioMedian: round(library.medianMs / client.medianMs, 2),
    ratioInterval,
    node: process.version,
    loadAverage: [loadBefore, round(loadavg()[0]!, 2)] as [number, number],
    cpus: cpus().length,
  };
  log(
    `entry load: library ${library.medianMs} ms (p95 ${library.p95Ms}), ${library.packages.length} packages; ` +
      `client ${client.medianMs} ms (p95 ${client.p95Ms}), ${client.packages.length} packages; ratio ${result.ratioMedian} (95 % CI ${ratioInterval[0]} to ${ratioInterval[1]})`,
  );
  return result;
}
