/**
 * A heap limit for the worker's workflow threads, sized from the sticky cache.
 *
 * The SDK runs workflows in worker threads, each a V8 isolate that takes node's default heap limit
 * (~4 GiB on a 64-bit machine) unless the process was started with --max-old-space-size. Under that
 * limit V8 lets the garbage of replays (an evicted generation replays on every wake-up) pile up long
 * before collecting it: with 1,000 generations waiting on webhooks and a cache of 100, the live set
 * of the workflow thread is ~64 MB while the worker's RSS peaks at ~530 MB (docs/production.md,
 * "Memory"). A limit proportional to what the cache can hold keeps the idle worker small.
 *
 * Node reads the V8 heap flags when an isolate is created, so setting them just before the SDK
 * creates its workflow threads limits those threads alone; the flags are reset to "unset" once the
 * threads exist, so worker threads the application creates later keep node's default. The main
 * thread (activities, the application) is never affected: its isolate already exists.
 */
import { setFlagsFromString } from 'node:v8';
import { Sora2ConfigError } from './config-error';

/** Per cached workflow: ~0.41 MB live measured (docs/production.md), doubled for the replays' garbage. */
const MB_PER_CACHED_WORKFLOW = 1;
/** The workflow bundle, the SDK's runtime and the young generation: ~25 MB live, with headroom. */
const BASE_MB = 128;
/** A small young generation: short-lived replay garbage is collected in smaller, more frequent scavenges. */
const SEMI_SPACE_MB = 4;

/** The old-space limit (MB) this plugin gives each workflow thread for a cache of `cachedWorkflows`. */
export function workflowThreadHeapMb(cachedWorkflows: number): number {
  return BASE_MB + Math.ceil(Math.max(0, cachedWorkflows) * MB_PER_CACHED_WORKFLOW);
}

/** True when node was started with its own heap limit (flags or NODE_OPTIONS): the operator's choice stands. */
export function heapLimitSetByOperator(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const flag = /--max[-_]old[-_]space[-_]size/;
  return execArgv.some((arg) => flag.test(arg)) || flag.test(nodeOptions);
}

/**
 * Runs `createThreads` with the workflow-thread heap flags in force, then resets them. `limitMb`
 * false, or a heap limit the operator set on node, leaves node's defaults alone.
 * Returns what was applied, for the worker's start line.
 */
export async function withWorkflowThreadHeap<T>(
  limitMb: number | false,
  createThreads: () => Promise<T>,
): Promise<{ value: T; appliedMb: number | undefined }> {
  if (limitMb === false || heapLimitSetByOperator()) return { value: await createThreads(), appliedMb: undefined };
  if (!Number.isInteger(limitMb) || limitMb < 64)
    throw new Sora2ConfigError(`workflowThreadHeapMb must be an integer ≥ 64 MB (or false for node's default), got ${limitMb}`);
  setFlagsFromString(`--max-old-space-size=${limitMb}`);
  setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  try {
    return { value: await createThreads(), appliedMb: limitMb };
  } finally {
    // 0 is V8's "not set": isolates created from here on size their heap as node does by default.
    setFlagsFromString('--max-old-space-size=0');
    setFlagsFromString('--max-semi-space-size=0');
  }
}
