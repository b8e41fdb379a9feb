/**
 * Bench-only workflows that measure the dev server instead of quoting it: how long short timers
 * really take, and at which history length the server sets `continueAsNewSuggested`.
 */
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';

const { probeNoop } = proxyActivities<{ probeNoop(): Promise<void> }>({ startToCloseTimeout: '10s' });

/** Sleeps `delayMs` `repeat` times; the history's TimerStarted/TimerFired times are the measurement. */
export async function timerProbe(delayMs: number, repeat: number): Promise<void> {
  for (let i = 0; i < repeat; i += 1) await sleep(delayMs);
}

/** Runs no-op activities until the server suggests continue-as-new (or `maxEvents`): the history length then. */
export async function continueAsNewProbe(maxEvents: number): Promise<{ suggestedAt: number | null; historyLength: number }> {
  for (;;) {
    const info = workflowInfo();
    if (info.continueAsNewSuggested) return { suggestedAt: info.historyLength, historyLength: info.historyLength };
    if (info.historyLength >= maxEvents) return { suggestedAt: null, historyLength: info.historyLength };
    await probeNoop();
  }
}
