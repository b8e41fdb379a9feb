/**
 * How long tasks really take, learned by this worker from the tasks it watches.
 *
 * Rivya does not document durations, so the schedule's built-in expectation is a guess. The
 * learner estimates each (model, n_frames) duration distribution from what the worker sees, and
 * hands the schedule its median and a low percentile (where dense checking starts).
 *
 * Why a survival estimate and not "the latest N completions": after a burst start (a batch, a
 * pipeline) the fast tasks finish first, so a window of the latest completions holds the fast
 * ones early and only the slowest later — both biased. Here every task noted at create stays in the
 * window, ordered by when it *started*, and counts for what is known of it:
 *   - succeeded: its true duration (Rivya's `created_at` → `updated_at`, so how late we noticed
 *     does not bias it) — an event;
 *   - still running at a check (or, with the webhook feed attached, not yet reported): it takes at
 *     least its age — right-censored;
 *   - failed: it never showed how long a success takes — censored at its age when it failed.
 * A Kaplan–Meier estimate over that window is unbiased under a burst, and weights that halve every
 * `HALF_LIFE_TASKS` starts let it follow a Rivya that gets faster or slower.
 *
 * It lives in worker memory and is read only by activities: the workflow gets its expectation in
 * an activity result (recorded in history), so replays never depend on what a worker remembers.
 */
import type { LearnedDuration } from '../workflows/generation/polling-schedule';
import type { TaskSnapshot } from '../workflows/common/activity-contract';
import { isTerminal } from '../src/contract/task-status';
import { quantileOfSurvival, type Observation } from './survival';
import { ETA_QUANTILES, type DurationQuantile, type LearnedQuantiles } from '../workflows/generation/eta';

/** Below this many completions (weighted) the built-in or seeded expectation stays in force. */
export const MIN_LEARNED_SAMPLES = 5;
/** Tasks kept per model and n_frames, newest starts first: enough for a stable 5th percentile. */
export const LEARNED_WINDOW = 256;
/** A task's weight halves with every this many newer starts of its key: old speed fades. */
export const HALF_LIFE_TASKS = 64;
/** Tasks remembered between create and completion, over all keys; oldest forgotten first. */
const MAX_TRACKED_TASKS = 10_000;
/** Durations beyond this are not a generation's (clock trouble, a task found days later): ignored. */
const MAX_PLAUSIBLE_DURATION_MS = 24 * 3600_000;
/** Dense checks start at this quantile of the durations. */
export const EARLIEST_QUANTILE = 0.05;

export interface DurationKey {
  model: string;
  nFrames: string;
}

/** A closed run's task, as a warm start reads it: it started at `createdAtMs` and took `durationMs`. */
export interface SeedRecord extends DurationKey {
  taskId: string;
  createdAtMs: number;
  durationMs: number;
}

interface TrackedTask {
  id: string;
  key: string;
  startMs: number;
  /** The duration if succeeded, else the age at which it was last known not to have succeeded. */
  ageMs: number;
  outcome: 'running' | 'succeeded' | 'failed';
  /** Waited for by webhook: while the feed is attached, "no event yet" means still running. */
  byWebhook: boolean;
  seeded: boolean;
}

/** @experimental The estimate's shape follows the waiting research; see docs/api-stability.md. */
export class CompletionLearner {
  /** Every tracked task by id, in the order first noted (the oldest is forgotten first). */
  private readonly tasks = new Map<string, TrackedTask>();
  /** The same tasks by key: an estimate reads only its own key's. */
  private readonly tasksByKey = new Map<string, Map<string, TrackedTask>>();
  private webhookFeed = false;

  constructor(
    private readonly minSamples = MIN_LEARNED_SAMPLES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers a created task (its key and start), so its checks and end can be counted. */
  noteTask(taskId: string, key: DurationKey, createdAt?: string | number): void {
    const known = this.tasks.get(taskId);
    if (known) return;
    const startMs = typeof createdAt === 'number' ? createdAt : createdAt ? Date.parse(createdAt) : this.now();
    this.track({
      id: taskId,
      key: keyOf(key),
      startMs: Number.isFinite(startMs) ? startMs : this.now(),
      ageMs: 0,
      outcome: 'running',
      byWebhook: false,
      seeded: false,
    });
  }

  /** The task is waited for by webhook; see `attachWebhookFeed`. */
  noteWaitingByWebhook(taskId: string): void {
    const task = this.tasks.get(taskId);
    if (task) task.byWebhook = true;
  }

  /**
   * Says that this process's webhook receiver feeds the learner (`observe` on each delivered
   * event), so a webhook-watched task without an event is still running. Without the feed nothing
   * is assumed of such tasks between checks.
   */
  attachWebhookFeed(): void {
    this.webhookFeed = true;
  }

  /** Counts what a status check or a webhook shows of a task; a task never noted is added when its key is given. */
  observe(task: TaskSnapshot, key?: DurationKey): void {
    let tracked = this.tasks.get(task.id);
    if (!tracked) {
      if (!key) return;
      this.noteTask(task.id, key, task.createdAt);
      tracked = this.tasks.get(task.id)!;
    }
    if (tracked.outcome !== 'running') return; // an ended task is counted once
    const createdAtMs = Date.parse(task.createdAt);
    if (Number.isFinite(createdAtMs)) tracked.startMs = createdAtMs;
    if (!isTerminal(task.status)) {
      tracked.ageMs = Math.max(tracked.ageMs, this.now() - tracked.startMs);
      return;
    }
    const durationMs = Date.parse(task.updatedAt) - tracked.startMs;
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_PLAUSIBLE_DURATION_MS) {
      this.forget(task.id);
      return;
    }
    tracked.outcome = task.status === 'succeeded' ? 'succeeded' : 'failed';
    tracked.ageMs = durationMs;
  }

  /** Adds completed tasks of closed runs (a warm start); tasks already known are left as they are. */
  seed(records: readonly SeedRecord[]): number {
    let added = 0;
    for (const record of records) {
      if (this.tasks.has(record.taskId)) continue;
      if (!(record.durationMs > 0 && record.durationMs <= MAX_PLAUSIBLE_DURATION_MS)) continue;
      this.track({
        id: record.taskId,
        key: keyOf(record),
        startMs: record.createdAtMs,
        ageMs: record.durationMs,
        outcome: 'succeeded',
        byWebhook: false,
        seeded: true,
      });
      added += 1;
    }
    return added;
  }

  /**
   * The estimate for a key, or null while fewer than `minSamples` completions were seen. The median
   * is null while fewer than half the window's tasks are known to have finished (a burst still
   * running): then only the low percentile is known.
   */
  estimate(key: DurationKey): LearnedDuration | null {
    const name = keyOf(key);
    const window = this.windowOf(name).slice(0, LEARNED_WINDOW);
    const observations = this.weighted(window);
    const events = window.filter((task) => task.outcome === 'succeeded');
    if (events.length < this.minSamples) return null;
    const earliestMs = quantileOfSurvival(observations, EARLIEST_QUANTILE);
    if (earliestMs === null) return null;
    const medianMs = quantileOfSurvival(observations, 0.5);
    const liveEvents = events.filter((task) => !task.seeded).length;
    return {
      medianMs: medianMs === null ? null : Math.round(medianMs),
      earliestMs: Math.round(earliestMs),
      samples: events.length,
      source: liveEvents >= this.minSamples ? 'learned' : 'seeded',
    };
  }

  /**
   * The ETA's quantiles (workflows/generation/eta.ts) for a key: null while `estimate` is null (too
   * few completions); only the quantiles the observations reach (a burst still running may not
   * reach the upper ones).
   */
  quantiles(key: DurationKey, qs: readonly number[] = ETA_QUANTILES): LearnedQuantiles | null {
    const estimate = this.estimate(key);
    if (!estimate) return null;
    const observations = this.weighted(this.windowOf(keyOf(key)).slice(0, LEARNED_WINDOW));
    const points: DurationQuantile[] = [];
    for (const q of qs) {
      const ms = quantileOfSurvival(observations, q);
      if (ms !== null) points.push([q, Math.round(ms)]);
    }
    return points.length > 0 ? { source: estimate.source, samples: estimate.samples, points } : null;
  }

  private track(task: TrackedTask): void {
    this.tasks.set(task.id, task);
    const ofKey = this.tasksByKey.get(task.key) ?? new Map<string, TrackedTask>();
    ofKey.set(task.id, task);
    this.tasksByKey.set(task.key, ofKey);
    if (this.tasks.size > MAX_TRACKED_TASKS) this.forget(this.tasks.keys().next().value!);
    // Past the window a key's oldest starts no longer count: drop them so a key stays bounded.
    if (ofKey.size > 2 * LEARNED_WINDOW) for (const old of this.windowOf(task.key).slice(LEARNED_WINDOW)) this.forgetTask(old);
  }

  private forget(taskId: string): void {
    const task = this.tasks.get(taskId);
    if (task) this.forgetTask(task);
  }

  private forgetTask(task: TrackedTask): void {
    this.tasksByKey.get(task.key)?.delete(task.id);
    this.tasks.delete(task.id);
  }

  /** The tasks of a key by start, newest first (all of them: the caller slices the window). */
  private windowOf(name: string): TrackedTask[] {
    const all = [...(this.tasksByKey.get(name)?.values() ?? [])];
    return all.sort((a, b) => b.startMs - a.startMs);
  }

  private weighted(window: readonly TrackedTask[]): Observation[] {
    const now = this.now();
    return window.map((task, rank) => {
      const stillRunning = task.outcome === 'running' && task.byWebhook && this.webhookFeed;
      return {
        timeMs: stillRunning ? Math.max(task.ageMs, now - task.startMs) : task.ageMs,
        event: task.outcome === 'succeeded',
        weight: 0.5 ** (rank / HALF_LIFE_TASKS),
      };
    });
  }
}

function keyOf({ model, nFrames }: DurationKey): string {
  return `${model}/${nFrames}`;
}
