/** What the dev server measures as: timer durations and the continue-as-new suggestion. */
import type { BenchEnvironment } from '../environment';
import { median, round } from '../stats';
import { eventMillis, type History } from './shared';

export interface TimerProbeResult {
  requestedMs: number;
  /** TimerFired − TimerStarted event times, ms. */
  samplesMs: number[];
  medianMs: number;
  maxMs: number;
}

export interface ContinueAsNewProbeResult {
  /** History length when the server first set continueAsNewSuggested (null: not by maxEvents). */
  suggestedAt: number | null;
  maxEvents: number;
}

export interface ProbeResults {
  timers: TimerProbeResult[];
  continueAsNew?: ContinueAsNewProbeResult;
}

/**
 * Measures what the report used to quote: how long 25 ms / 250 ms / 1 s timers take on this dev
 * server (from the histories' event times), and at which history length the server suggests
 * continue-as-new. A bench-only worker in this process runs the probe workflows.
 */
export async function runProbes(
  bench: BenchEnvironment,
  options: { timerRepeats: number; continueAsNewMaxEvents?: number },
): Promise<ProbeResults> {
  const { Worker } = await import('@temporalio/worker');
  const taskQueue = `bench-probe-${Date.now()}`;
  const worker = await Worker.create({
    connection: bench.env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../probe-workflows'),
    activities: { probeNoop: async () => undefined },
  });
  const running = worker.run();
  try {
    const timers = await Promise.all(
      [25, 250, 1_000].map(async (requestedMs) => {
        const handle = await bench.client.workflow.start('timerProbe', {
          args: [requestedMs, options.timerRepeats],
          workflowId: `${taskQueue}-timer-${requestedMs}`,
          taskQueue,
        });
        await handle.result();
        const samplesMs = timerDurationsMs(await handle.fetchHistory());
        return { requestedMs, samplesMs, medianMs: round(median(samplesMs), 0), maxMs: round(Math.max(...samplesMs), 0) };
      }),
    );
    let continueAsNew: ContinueAsNewProbeResult | undefined;
    if (options.continueAsNewMaxEvents) {
      const result = (await bench.client.workflow.execute('continueAsNewProbe', {
        args: [options.continueAsNewMaxEvents],
        workflowId: `${taskQueue}-can`,
        taskQueue,
      })) as { suggestedAt: number | null };
      continueAsNew = { suggestedAt: result.suggestedAt, maxEvents: options.continueAsNewMaxEvents };
    }
    return { timers, continueAsNew };
  } finally {
    worker.shutdown();
    await running;
  }
}

/** Fired − started time of every timer in a history, ms. */
function timerDurationsMs(history: History): number[] {
  const started = new Map<string, number>();
  const durations: number[] = [];
  for (const event of history.events ?? []) {
    const timerId = event.timerStartedEventAttributes?.timerId;
    if (timerId) started.set(timerId, eventMillis(event.eventTime));
    const firedId = event.timerFiredEventAttributes?.timerId;
    if (firedId && started.has(firedId)) durations.push(eventMillis(event.eventTime) - started.get(firedId)!);
  }
  return durations;
}
