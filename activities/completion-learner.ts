/**
 * How long tasks really take, learned by this worker from the tasks it saw finish.
 *
 * Rivya does not document durations, so the schedule's built-in expectation is a guess. Each
 * task that succeeds tells us its true duration — Rivya's own `created_at` → `updated_at`, so how
 * late we noticed does not bias it. The learner keeps the latest durations per model and
 * n_frames and hands the schedule an estimate once enough are seen.
 *
 * It lives in worker memory and is read only by activities: the workflow gets its expectation in
 * an activity result (recorded in history), so replays never depend on what a worker remembers.
 */
import type { LearnedDuration } from '../workflows/generation/polling-schedule';
import type { TaskSnapshot } from '../workflows/common/activity-contract';

/** Below this many completions the built-in (conservative) expectation stays in force. */
export const MIN_LEARNED_SAMPLES = 5;
/** Completions kept per model and n_frames: recent enough to follow a change in Rivya's speed. */
export const LEARNED_WINDOW = 64;
/** Tasks remembered between create and completion (their model and n_frames); oldest forgotten first. */
const MAX_TRACKED_TASKS = 10_000;
/** Durations beyond this are not a generation's (clock trouble, a task found days later): ignored. */
const MAX_PLAUSIBLE_DURATION_MS = 24 * 3600_000;
/** Dense checks start at this percentile of the learned durations. */
const EARLIEST_PERCENTILE = 0.05;

export interface DurationKey {
  model: string;
  nFrames: string;
}

export class CompletionLearner {
  private readonly durations = new Map<string, number[]>();
  /** task id → its key, noted at create: a status read only has the task id. */
  private readonly keysByTask = new Map<string, string>();

  constructor(private readonly minSamples = MIN_LEARNED_SAMPLES) {}

  /** Remembers which model and n_frames a created task has, so its completion can be counted. */
  noteTask(taskId: string, key: DurationKey): void {
    this.keysByTask.delete(taskId);
    this.keysByTask.set(taskId, keyOf(key));
    if (this.keysByTask.size > MAX_TRACKED_TASKS) this.keysByTask.delete(this.keysByTask.keys().next().value!);
  }

  /** Counts a succeeded task's duration once; anything else (still running, failed, unknown task) is ignored. */
  observe(task: TaskSnapshot, key?: DurationKey): void {
    if (task.status !== 'succeeded') return;
    const name = key ? keyOf(key) : this.keysByTask.get(task.id);
    if (!name) return;
    this.keysByTask.delete(task.id);
    const durationMs = Date.parse(task.updatedAt) - Date.parse(task.createdAt);
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_PLAUSIBLE_DURATION_MS) return;
    const window = this.durations.get(name) ?? [];
    window.push(durationMs);
    if (window.length > LEARNED_WINDOW) window.shift();
    this.durations.set(name, window);
  }

  /** The estimate for a key, or null while fewer than `minSamples` completions were seen. */
  estimate(key: DurationKey): LearnedDuration | null {
    const window = this.durations.get(keyOf(key));
    if (!window || window.length < this.minSamples) return null;
    const sorted = [...window].sort((a, b) => a - b);
    return {
      medianMs: Math.round(percentile(sorted, 0.5)),
      earliestMs: Math.round(percentile(sorted, EARLIEST_PERCENTILE)),
      samples: sorted.length,
    };
  }
}

function keyOf({ model, nFrames }: DurationKey): string {
  return `${model}/${nFrames}`;
}

/** Linear interpolation between closest ranks of an ascending list. */
function percentile(sorted: number[], p: number): number {
  const position = (sorted.length - 1) * p;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}
