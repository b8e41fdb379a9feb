/**
 * Preloaded into the benchmarked worker (`node --expose-gc --require heap-probe.js`): on SIGUSR2 it
 * writes the process's memory split — the main thread's V8 heap before and after a full GC, the
 * heaps of the workflow threads, and what lies outside every V8 heap (the SDK's native core,
 * buffers) — so the report can say where worker RSS goes.
 *
 * Why the threads: the SDK runs workflows in worker_threads, each its own V8 isolate, and the cached
 * workflows live there. `process.memoryUsage()` on the main thread sees only the main isolate, so
 * without them "outside the heap" would count the workflow threads' heaps too. A preload runs in
 * every thread (workers inherit NODE_OPTIONS), so each workflow thread answers on a BroadcastChannel.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

export interface ThreadHeapReading {
  threadId: number;
  heapCommittedMb: number;
  heapUsedMb: number;
  heapLiveAfterGcMb: number;
  /** The thread's heap limit (V8's heap_size_limit): the plugin's workflow-thread cap, or node's default. */
  heapLimitMb?: number;
}

export interface HeapProbeReading {
  rssMb: number;
  /** The main thread's V8 heap (the SDK's worker, this plugin's activities, the connection). */
  heapCommittedMb: number;
  heapUsedMb: number;
  heapLiveAfterGcMb: number;
  /**
   * RSS less every V8 heap's used bytes (main and workflow threads): the native core, buffers, code,
   * and heap pages committed but not in use. Older files: RSS less the main heap committed only.
   */
  outsideHeapMb: number;
  /** RSS once every thread has run a full GC: what the process holds without uncollected garbage. */
  rssAfterGcMb?: number;
  /** The workflow threads' heaps (where the cached workflows live); absent in older files. */
  workflowThreads?: ThreadHeapReading[];
  /** /proc/self/smaps_rollup: anonymous memory and file-backed pages (code, the bundle read from disk). */
  anonymousMb?: number;
  fileBackedMb?: number;
}

const CHANNEL = 'rivya-bench-heap-probe';
/** How long the main thread waits for the workflow threads (a full GC of a thread holding 1,000 workflows takes a while). */
const ANSWER_WAIT_MS = 8_000;
const target = process.env.RIVYA_BENCH_HEAP_PROBE_FILE;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

interface Request {
  kind: 'probe';
}

function threadReading(): ThreadHeapReading {
  const before = getHeapStatistics();
  gc();
  const after = getHeapStatistics();
  return {
    threadId,
    heapCommittedMb: mb(before.total_heap_size),
    heapUsedMb: mb(before.used_heap_size),
    heapLiveAfterGcMb: mb(after.used_heap_size),
    heapLimitMb: mb(after.heap_size_limit),
  };
}

function smapsRollup(): { anonymousMb?: number; fileBackedMb?: number } {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
    const anonymous = kb('Anonymous');
    return { anonymousMb: Math.round(anonymous / 1024), fileBackedMb: Math.round((kb('Rss') - anonymous) / 1024) };
  } catch {
    return {};
  }
}

/**
 * The main thread: RSS and the main heap read at once (before any thread collects its garbage), then
 * every workflow thread asked for its heap, their answers awaited, the split written.
 */
function probeFromMain(file: string): void {
  const before = process.memoryUsage();
  const rollup = smapsRollup();
  const channel = new BroadcastChannel(CHANNEL);
  const threads: ThreadHeapReading[] = [];
  channel.onmessage = (event) => {
    const data = (event as MessageEvent).data as ThreadHeapReading | Request;
    if ('threadId' in data) threads.push(data);
  };
  channel.postMessage({ kind: 'probe' } satisfies Request);
  setTimeout(() => {
    channel.close();
    gc();
    const after = process.memoryUsage();
    // Used, not committed: V8 commits more than it touches, and untouched pages are not resident.
    const threadHeapsUsed = threads.reduce((sum, t) => sum + t.heapUsedMb, 0);
    const reading: HeapProbeReading = {
      rssMb: mb(before.rss),
      heapCommittedMb: mb(before.heapTotal),
      heapUsedMb: mb(before.heapUsed),
      heapLiveAfterGcMb: mb(after.heapUsed),
      outsideHeapMb: mb(before.rss - before.heapUsed) - threadHeapsUsed,
      workflowThreads: threads.sort((a, b) => a.threadId - b.threadId),
      rssAfterGcMb: mb(after.rss),
      ...rollup,
    };
    // Written whole, then renamed: the reader polls for the file and must not see half of it.
    writeFileSync(`${file}.part`, JSON.stringify(reading));
    renameSync(`${file}.part`, file);
  }, ANSWER_WAIT_MS);
}

if (target) {
  if (isMainThread) {
    process.on('SIGUSR2', () => probeFromMain(target));
  } else {
    // A workflow thread: answer the main thread's probe. Unref'd, so it never keeps the thread alive.
    const channel = new BroadcastChannel(CHANNEL);
    channel.unref();
    channel.onmessage = (event) => {
      const data = (event as MessageEvent).data as ThreadHeapReading | Request;
      if (!('threadId' in data) && data.kind === 'probe') channel.postMessage(threadReading());
    };
  }
}
