/**
 * A warm start for the duration learner: a fresh worker (a deploy, a crash) reads how long the
 * tasks of recently closed generations took, instead of beginning from the built-in guess.
 *
 * Where the durations come from: every succeeded run's result carries `rivyaDuration` (Rivya's
 * created_at → updated_at and the n_frames). Reading results costs one history read per run
 * (the close event only), bounded in count, age and time — and nothing per generation: no memo
 * or search attribute upsert (one more history event and a billable action on every run), no
 * attribute to register. Runs of older versions have no `rivyaDuration` and are skipped.
 */
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { CompletionLearner, SeedRecord } from '../../activities/completion-learner';
import type { Sora2GenerationResult } from '../../workflows/generation/state';
import { workerLogger } from './worker-logger';

/** Closed runs read at the most: enough for a stable low quantile of the usual few keys. */
export const WARM_START_MAX_RUNS = 200;
/** Runs older than this say little about Rivya's speed today. */
export const WARM_START_MAX_AGE_MS = 24 * 3600_000;
/** History reads in flight at once: a start should not load the frontend. */
const READ_CONCURRENCY = 8;
/** The whole warm start gives up after this; what was read by then is kept. */
export const WARM_START_TIMEOUT_MS = 20_000;

export interface WarmStartOptions {
  client: Pick<Client, 'workflow'>;
  taskQueue: string;
  learner: CompletionLearner;
  maxRuns?: number;
  maxAgeMs?: number;
  timeoutMs?: number;
  /** Called once with the outcome, for the worker's log. */
  log?: (message: string, details: Record<string, unknown>) => void;
  now?: () => number;
}

export interface WarmStartOutcome {
  runsListed: number;
  seeded: number;
  /** Why nothing or only part was read (timed out, visibility unavailable); absent when complete. */
  stoppedBy?: string;
}

/** The visibility query for recent succeeded generations of one task queue. */
export function warmStartQuery(taskQueue: string, sinceMs: number): string {
  const queue = taskQueue.replace(/["\\]/g, '');
  return `WorkflowType = 'sora2Generation' AND ExecutionStatus = 'Completed' AND TaskQueue = "${queue}" AND CloseTime > "${new Date(sinceMs).toISOString()}"`;
}

/** The learner's record of a result, or null when it has none (an older version's result). */
export function seedRecordOf(result: Partial<Sora2GenerationResult> | undefined): SeedRecord | null {
  const duration = result?.rivyaDuration;
  if (!result?.taskId || !result.model || !duration) return null;
  const createdAtMs = Date.parse(duration.createdAt);
  const durationMs = Date.parse(duration.updatedAt) - createdAtMs;
  if (!Number.isFinite(createdAtMs) || !Number.isFinite(durationMs)) return null;
  return { taskId: result.taskId, model: result.model, nFrames: duration.nFrames, createdAtMs, durationMs };
}

export async function warmStartLearner(options: WarmStartOptions): Promise<WarmStartOutcome> {
  const now = options.now ?? Date.now;
  const maxRuns = options.maxRuns ?? WARM_START_MAX_RUNS;
  const deadline = now() + (options.timeoutMs ?? WARM_START_TIMEOUT_MS);
  const query = warmStartQuery(options.taskQueue, now() - (options.maxAgeMs ?? WARM_START_MAX_AGE_MS));
  const outcome: WarmStartOutcome = { runsListed: 0, seeded: 0 };
  const records: SeedRecord[] = [];
  try {
    const runs: { workflowId: string; runId: string }[] = [];
    for await (const run of options.client.workflow.list({ query, pageSize: Math.min(maxRuns, 100) })) {
      runs.push({ workflowId: run.workflowId, runId: run.runId });
      if (runs.length >= maxRuns || now() > deadline) break;
    }
    outcome.runsListed = runs.length;
    for (let next = 0; next < runs.length && now() <= deadline; next += READ_CONCURRENCY) {
      const batch = runs.slice(next, next + READ_CONCURRENCY);
      const results = await Promise.allSettled(
        batch.map((run) => options.client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false }).result()),
      );
      for (const settled of results) {
        const record = settled.status === 'fulfilled' ? seedRecordOf(settled.value as Partial<Sora2GenerationResult>) : null;
        if (record) records.push(record);
      }
    }
    if (now() > deadline) outcome.stoppedBy = 'timed out';
  } catch (err) {
    outcome.stoppedBy = `visibility unavailable: ${(err as Error).message}`;
  }
  outcome.seeded = options.learner.seed(records);
  options.log?.(describe(outcome), { ...outcome });
  return outcome;
}

function describe(outcome: WarmStartOutcome): string {
  const where =
    outcome.seeded > 0
      ? `duration expectations seeded from ${outcome.seeded} closed generations`
      : 'duration expectations: built-in until tasks complete (no closed generations with durations found)';
  return outcome.stoppedBy ? `${where} (${outcome.stoppedBy})` : where;
}

/** Bounds of a plugin's warm start; `false` switches it off (a benchmark's "fresh worker"). */
export type WarmStartSetting = boolean | Pick<WarmStartOptions, 'maxRuns' | 'maxAgeMs' | 'timeoutMs'>;

/**
 * Starts the warm start of a worker that is about to run, in the background: polling does not
 * wait for it (activities use the built-in guess until it lands). Reads through the worker's own
 * connection and data converter (so encrypted results decode); a worker created without a
 * connection is skipped, with a log line.
 */
export function warmStartInBackground(worker: Worker, learner: CompletionLearner, setting: WarmStartSetting): void {
  if (setting === false) return;
  const logger = workerLogger();
  const { connection, namespace, taskQueue, dataConverter } = worker.options;
  if (!connection) {
    logger.info('duration expectations: built-in until tasks complete (warm start needs the worker created with a connection)');
    return;
  }
  const client = new Client({ connection, namespace, dataConverter });
  void warmStartLearner({
    client,
    taskQueue,
    learner,
    ...(setting === true ? {} : setting),
    log: (message, details) => logger.info(message, details),
  }).catch((err: unknown) => logger.warn('warm start failed', { error: String(err) }));
}
