/** A 30-minute task (compressed) on the default schedule: history per run stays bounded. */
import { startSora2Generation } from '../../src/client/helpers';
import { expectedDurationMs } from '../../workflows/generation/polling-schedule';
import type { BenchEnvironment } from '../environment';
import { scaledPolling } from '../policies';
import type { ContinueAsNewProbeResult } from './probes';

export interface LongTaskResult {
  taskMinutes: number;
  polls: number;
  runs: number;
  maxEventsInOneRun: number;
  /** History length at which the server set continueAsNewSuggested, measured in this run (null: not seen). */
  continueAsNewSuggestedAt: number | null;
  /** 'measured' by the probe of this run; older results carry an assumed constant. */
  continueAsNewSource?: 'measured' | 'not measured';
  /** How the run waited (older results: the timer loop, the only form then). */
  style?: 'activity-retry' | 'timer';
  /** History events of every run together. */
  totalEvents?: number;
}

/** A 30-minute task (compressed) on the default schedule, in one wait style: history per run stays bounded. */
export async function runLongTask(
  bench: BenchEnvironment,
  timeScale: number,
  continueAsNew: ContinueAsNewProbeResult | undefined,
  style: 'activity-retry' | 'timer' = 'activity-retry',
): Promise<LongTaskResult> {
  const taskMs = 30 * 60_000;
  await bench.resetSimulator({
    seed: 9,
    initialCredits: 1e9,
    timing: { queuedMs: [0, 0], processingMs: { default: [taskMs, taskMs] }, timeScale },
  });
  const workflowId = `long-${style}-${Date.now()}`;
  const handle = await startSora2Generation(
    bench.client,
    {
      prompt: '[sim:succeed] thirty minutes',
      polling: scaledPolling({ name: 'ours', standsFor: '', polling: { style } }, timeScale, expectedDurationMs('sora-2', '10', {})),
      searchAttributes: false,
    },
    { workflowId, taskQueue: bench.taskQueue },
  );
  const result = await handle.result();
  const counts: number[] = [];
  for await (const execution of bench.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    counts.push((await bench.client.workflow.getHandle(workflowId, execution.runId).fetchHistory()).events?.length ?? 0);
  }
  return {
    taskMinutes: 30,
    polls: result.polls,
    runs: counts.length,
    maxEventsInOneRun: Math.max(...counts),
    continueAsNewSuggestedAt: continueAsNew?.suggestedAt ?? null,
    continueAsNewSource: continueAsNew ? 'measured' : 'not measured',
    style,
    totalEvents: counts.reduce((a, b) => a + b, 0),
  };
}
