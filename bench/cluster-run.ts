/**
 * `node dist/bench/run.js --scaling-only --server cluster` (or `--server dev`): the server-comparison
 * scaling levels (bench/cluster-scaling.ts) on one server, merged into the newest full results
 * file like `--scaling-only` (a level measured again replaces its row; every other row is kept),
 * and BENCHMARKS.md re-rendered. Bounded to ~15 minutes on a 2-core machine; not part of
 * `npm run bench`.
 *
 * Options: `--levels=1000:1:polling,10000:3:webhooks` (inFlight:workers:waiting, a subset or other
 * sizes), `--window-ms=N` (default 30 s), `--results=<path>` (merge into that file, BENCHMARKS.md untouched).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchServer } from './cluster-environment';
import { measureServerScaling, SERVER_SCALING_LEVELS, type ServerLevelWaiting, type ServerScalingLevel } from './cluster-scaling';
import { writeBenchmarkReport } from './report';
import type { BenchResults } from './result-types';

const DEFAULT_WINDOW_MS = 30_000;

function parseLevels(text: string | undefined): ServerScalingLevel[] {
  if (!text) return SERVER_SCALING_LEVELS;
  return text.split(',').map((spec) => {
    const [inFlight, workers, waiting, taskSeconds] = spec.split(':');
    if (!['polling', 'timer-loop', 'webhooks'].includes(waiting ?? '')) throw new Error(`--levels: bad level ${spec}`);
    return {
      inFlight: Number(inFlight),
      workers: Number(workers ?? 1),
      waiting: waiting as ServerLevelWaiting,
      ...(taskSeconds ? { taskSeconds: Number(taskSeconds) } : waiting === 'webhooks' ? { taskSeconds: 600 } : {}),
    };
  });
}

export function serverArgument(argv: readonly string[]): BenchServer | undefined {
  const index = argv.indexOf('--server');
  const value = index >= 0 ? argv[index + 1] : argv.find((a) => a.startsWith('--server='))?.split('=')[1];
  if (value === undefined) return undefined;
  if (value !== 'cluster' && value !== 'dev') throw new Error(`--server must be cluster or dev, got ${value}`);
  return value;
}

export async function rerunServerScaling(root: string, server: BenchServer, log: (line: string) => void): Promise<void> {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const dir = join(root, 'bench', 'results');
  // `--results=<path>`: merge into that file instead, and leave BENCHMARKS.md alone (trial runs).
  const given = arg('results');
  const latest =
    given ??
    readdirSync(dir)
      .filter((file) => file.endsWith('-full.json'))
      .sort()
      .pop();
  if (!latest) throw new Error('no full results: run `npm run bench` first');
  const path = given ? resolve(given) : join(dir, latest);
  const levels = parseLevels(arg('levels'));
  const windowMs = Number(arg('window-ms') ?? DEFAULT_WINDOW_MS);
  const began = Date.now();
  const measured: NonNullable<BenchResults['serverScaling']> = [];
  const persist = () => {
    // Re-read before every write: another run may have updated the file meanwhile.
    const results = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
    // A level measured again replaces its earlier row (same server, size, waiting and workers); others stay.
    const key = (r: { server: string; inFlight: number; waiting: string; workers: number }) =>
      `${r.server}/${r.inFlight}/${r.waiting}/${r.workers}`;
    const fresh = new Set(measured.map(key));
    results.serverScaling = [...(results.serverScaling ?? []).filter((r) => !fresh.has(key(r))), ...measured];
    writeFileSync(path, JSON.stringify(results, null, 2));
    if (!given) writeBenchmarkReport(root, results);
  };
  log(`${server} server: ${levels.length} levels, ${windowMs / 1000} s windows, into ${latest}`);
  await measureServerScaling(server, levels, windowMs, measured, persist, log);
  log(`${server} server scaling: ${Math.round((Date.now() - began) / 1000)} s; updated ${latest}, BENCHMARKS.md`);
}
