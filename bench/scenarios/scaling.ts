/** In-flight scaling on the dev server: worker memory and CPU, status-query latency, sustained polls. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { startSora2Generation } from '../../src/client/helpers';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../src/worker/resolve-settings';
import { mapWithLimit, startBenchEnvironment } from '../environment';
import type { HeapProbeReading } from '../heap-probe';
import { findProcess, ProcessSampler, sampleProcess } from '../process-sampler';
import { median, percentile, round } from '../stats';
import { sampleStatusQueries, sleep } from './shared';

export interface ScalingResult {
  inFlight: number;
  /**
   * How the generations waited: 'polling' (a steady 4.5 s check, the default retry form; older
   * results: the timer loop) or 'webhooks' (webhooks on: the hour-long tasks send nothing during
   * the window, so the worker holds idle waits and only the safety net's first check is scheduled).
   */
  waiting?: 'polling' | 'webhooks';
  /**
   * The worker's sticky-cache size for this level: a number set by RIVYA_WORKER_MAX_CACHED_WORKFLOWS,
   * 'SDK default' (the SDK's own size, from the heap limit: every workflow here), or 'plugin default'
   * (the option left unset: DEFAULT_MAX_CACHED_WORKFLOWS). Older files: undefined was the SDK's.
   */
  maxCachedWorkflows?: number | 'SDK default' | 'plugin default';
  /** The size the worker ran with, where the label is a default. */
  cacheSize?: number;
  /** Node flags added to the worker's (RIVYA_BENCH_WORKER_NODE_OPTIONS), when any. */
  workerNodeOptions?: string;
  /** Where the worker's memory lies at the end of the window (read inside the worker). */
  memory?: HeapProbeReading;
  /** CPU cores busy during the window, per process (the machine has os.cpus().length). */
  cores?: { worker: number; devServer: number; clientAndSimulator: number };
  /** Tasks created by the end of the settle phase (below inFlight when the stack could not keep up). */
  tasksCreated: number;
  startSeconds: number;
  workerRssMb: number;
  workerCpuMsPerGenerationPerMinute: number;
  statusQueryP50Ms: number;
  statusQueryP95Ms: number;
  /** Queries that timed out or failed during the window. */
  statusQueryFailures: number;
  statusChecksPerSecondDemanded: number;
  statusChecksPerSecondSustained: number;
  /** The nominal window and the one measured (rates are divided by the measured one). */
  windowMs?: number;
  measuredWindowMs?: number;
}

/**
 * N generations kept in flight (long tasks, dense polling every 4.5 s), each level on a fresh
 * stack: worker memory and CPU, status-query latency, and the poll rate the server sustains.
 */
export async function runScaling(
  inFlight: number,
  windowMs: number,
  maxCachedWorkflows: number | 'SDK default' | 'plugin default' = 'SDK default',
  waiting: 'polling' | 'webhooks' = 'polling',
): Promise<ScalingResult> {
  const probeFile = join(mkdtempSync(join(tmpdir(), 'rivya-bench-')), 'heap.json');
  const cacheSize =
    maxCachedWorkflows === 'SDK default' ? sdkDefaultCacheSize() : maxCachedWorkflows === 'plugin default' ? undefined : maxCachedWorkflows;
  // Extra node flags for the worker process (e.g. --max-old-space-size), for memory experiments.
  const workerNodeOptions = process.env.RIVYA_BENCH_WORKER_NODE_OPTIONS?.trim() || undefined;
  const workerEnv: Record<string, string> = {
    NODE_OPTIONS: `--expose-gc --require ${JSON.stringify(join(__dirname, '..', 'heap-probe.js'))}${workerNodeOptions ? ` ${workerNodeOptions}` : ''}`,
    RIVYA_BENCH_HEAP_PROBE_FILE: probeFile,
    ...(cacheSize !== undefined ? { RIVYA_WORKER_MAX_CACHED_WORKFLOWS: String(cacheSize) } : {}),
  };
  const bench = await startBenchEnvironment(
    { timing: { queuedMs: [1_000, 1_000], processingMs: { default: [3_600_000, 3_600_000] } } },
    workerEnv,
  );
  try {
    // A steady 4.5 s rhythm for the whole window (the adaptive schedule would back off once the
    // hour-long task counts as overdue, and demand would fall below N / 4.5).
    // With webhooks on, the default safety net: its first check comes at twice the expected duration.
    const webhooks = waiting === 'webhooks';
    const polling = webhooks ? {} : { firstCheckAfterMs: 1_000, minIntervalMs: 4_500, maxIntervalMs: 4_500 };
    const started = Date.now();
    const ids = await mapWithLimit(
      Array.from({ length: inFlight }, (_, i) => i),
      50,
      async (i) => {
        const workflowId = `scale-${inFlight}-${i}`;
        await startSora2Generation(
          bench.client,
          { prompt: `[sim:succeed] s${i}`, polling, completion: { webhooks }, searchAttributes: false },
          { workflowId, taskQueue: bench.taskQueue },
        );
        return workflowId;
      },
    );
    const startSeconds = (Date.now() - started) / 1000;
    // Let every workflow create its task and settle into its polling rhythm (bounded: an overloaded
    // server is itself a result, reported as fewer tasks created than generations started).
    const settleDeadline = Date.now() + 180_000;
    while (bench.simulator.store.tasks.size < inFlight && Date.now() < settleDeadline) await sleep(500);
    const tasksCreated = bench.simulator.store.tasks.size;
    await sleep(6_000);
    const before = bench.simulator.store.counters.get('getGeneration')?.requests ?? 0;
    const cpuBefore = sampleProcess(bench.worker.child.pid!).cpuMs;
    // Where the machine's cores go: the worker, the dev server, and this process (client + simulator).
    const devServerPid = findProcess(['start-dev', `--port ${new URL(`http://${bench.env.address}`).port}`]);
    const devServerCpuBefore = devServerPid ? sampleProcess(devServerPid).cpuMs : 0;
    const benchCpuBefore = process.cpuUsage();
    const windowStarted = Date.now();
    const sampler = new ProcessSampler(bench.worker.child.pid!);
    const { latencies: queryLatencies, failures: queryFailures } = await sampleStatusQueries(bench.client, ids, Date.now() + windowMs);
    // Rates are divided by the measured window (the last query may overrun the nominal one by seconds).
    const polls = (bench.simulator.store.counters.get('getGeneration')?.requests ?? 0) - before;
    const elapsedMs = Date.now() - windowStarted;
    const usage = sampler.stop();
    const cpuMs = sampleProcess(bench.worker.child.pid!).cpuMs - cpuBefore;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const coresUsed = (ms: number) => round(ms / elapsedMs, 2);
    const cores = {
      worker: coresUsed(cpuMs),
      devServer: devServerPid ? coresUsed(sampleProcess(devServerPid).cpuMs - devServerCpuBefore) : Number.NaN,
      clientAndSimulator: coresUsed((benchCpu.user + benchCpu.system) / 1000),
    };
    const memory = await readHeapProbe(bench.worker.child.pid!, probeFile);
    return {
      inFlight,
      waiting,
      maxCachedWorkflows,
      cacheSize: cacheSize ?? DEFAULT_MAX_CACHED_WORKFLOWS,
      ...(workerNodeOptions ? { workerNodeOptions } : {}),
      memory,
      cores,
      tasksCreated,
      startSeconds: round(startSeconds, 1),
      workerRssMb: round(usage.peakRssBytes / 2 ** 20, 0),
      windowMs,
      measuredWindowMs: elapsedMs,
      workerCpuMsPerGenerationPerMinute: round((cpuMs / inFlight) * (60_000 / elapsedMs), 2),
      statusQueryP50Ms: round(median(queryLatencies), 1),
      statusQueryP95Ms: round(percentile(queryLatencies, 95), 1),
      statusQueryFailures: queryFailures,
      statusChecksPerSecondDemanded: webhooks ? 0 : round(inFlight / 4.5, 1),
      statusChecksPerSecondSustained: round(polls / (elapsedMs / 1000), 1),
    };
  } finally {
    await bench.close();
  }
}

/**
 * The cache size the SDK picks when the worker's option is unset (reuseV8Context on, its default):
 * 600 workflows per GiB of heap limit above 200 MiB (@temporalio/worker addDefaultWorkerOptions).
 * The plugin now sets its own default, so the bench passes this number to measure the SDK's. The
 * worker runs the same node as this process, so the heap limit is the same — unless
 * RIVYA_BENCH_WORKER_NODE_OPTIONS changes it (then this is not what the SDK would pick there).
 */
export function sdkDefaultCacheSize(): number {
  const heapMiB = getHeapStatistics().heap_size_limit / 2 ** 20;
  return Math.max(Math.floor((Math.max(heapMiB - 200, 0) * 600) / 1024), 10);
}

/** Asks the worker's heap probe for its memory split (SIGUSR2) and waits for the answer. */
async function readHeapProbe(pid: number, file: string): Promise<HeapProbeReading | undefined> {
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 20_000; waited += 100) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as HeapProbeReading;
    await sleep(100);
  }
  return undefined;
}
