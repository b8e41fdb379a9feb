/**
 * One workflow bundle per jest worker process and workflows module, instead of one webpack run per
 * test file (each `Worker.create({ workflowsPath })` bundles again: seconds of both cores).
 *
 * Jest gives every test file a fresh module registry, so a module-level cache would not outlive the
 * file: the bundle is kept on disk, named by this process's id (one jest worker) and a stamp of the
 * sources it is built from (a watch-mode rerun after an edit bundles again). Files of processes that
 * have ended are removed when a new bundle is written.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const ROOT = join(__dirname, '..', '..');
/** What workflow code may import (the house rule), and the fixtures that re-export it. */
const SOURCE_DIRS = ['workflows', 'src', join('test', 'fixtures')].map((dir) => join(ROOT, dir));
const CACHE_DIR = join(tmpdir(), 'rivya-test-workflow-bundles');

function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestChange(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeBundlesOfEndedProcesses(): void {
  for (const name of readdirSync(CACHE_DIR)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(CACHE_DIR, name), { force: true });
  }
}

/** The bundle of `workflowsPath` (a module path, as `require.resolve` gives it), built once per jest worker. */
export async function prebuiltWorkflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  const stamp = Math.max(...SOURCE_DIRS.map(newestChange));
  const key = createHash('sha256').update(`${workflowsPath}\n${stamp}`).digest('hex').slice(0, 16);
  const file = join(CACHE_DIR, `${process.pid}-${key}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap;
  } catch {
    // Not built yet in this worker (or from older sources): bundle below.
  }
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: undefined });
  mkdirSync(CACHE_DIR, { recursive: true });
  removeBundlesOfEndedProcesses();
  writeFileSync(file, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  return bundle;
}
