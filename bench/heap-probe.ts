/**
 * Preloaded into the benchmarked worker (`node --expose-gc --require heap-probe.js`): on SIGUSR2 it
 * writes the process's memory split — V8 heap before and after a full GC, and what lies outside
 * the V8 heap (the SDK's native core, buffers) — so the report can say where worker RSS goes.
 */
import { writeFileSync } from 'node:fs';

export interface HeapProbeReading {
  rssMb: number;
  heapCommittedMb: number;
  heapUsedMb: number;
  heapLiveAfterGcMb: number;
  outsideHeapMb: number;
}

const target = process.env.RIVYA_BENCH_HEAP_PROBE_FILE;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

if (target) {
  process.on('SIGUSR2', () => {
    const before = process.memoryUsage();
    (globalThis as { gc?: () => void }).gc?.();
    const after = process.memoryUsage();
    const reading: HeapProbeReading = {
      rssMb: mb(before.rss),
      heapCommittedMb: mb(before.heapTotal),
      heapUsedMb: mb(before.heapUsed),
      heapLiveAfterGcMb: mb(after.heapUsed),
      outsideHeapMb: mb(before.rss - before.heapTotal),
    };
    writeFileSync(target, JSON.stringify(reading));
  });
}
