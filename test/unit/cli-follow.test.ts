/**
 * The CLI's wait loop (tools/cli/follow.ts). A run that failed while a progress tick was still in
 * flight once left its failure unhandled for that moment, and Node ended `generate --wait` with
 * exit 1 and a stack trace instead of the failure report (seen under load as a flaky exit code).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { followUntilSettled } from '../../tools/cli/follow';

async function collectingUnhandled<T>(body: () => Promise<T>): Promise<{ value: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const value = await body();
    // An unhandled rejection is reported after the microtasks of its turn: give it a few turns.
    await sleep(50);
    return { value, unhandled };
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

test('a run that fails while a tick is in flight: the failure comes back to the caller, nothing is left unhandled', async () => {
  const failure = new Error('workflow execution failed');
  const { value, unhandled } = await collectingUnhandled(async () => {
    const result = new Promise<never>((_, reject) => setTimeout(() => reject(failure), 10));
    let ticks = 0;
    const outcome = await followUntilSettled(
      result,
      async () => {
        ticks += 1;
        await sleep(100);
      },
      1_000,
    ).catch((err: unknown) => err);
    return { outcome, ticks };
  });
  expect(value.outcome).toBe(failure);
  // One tick: the loop stops as soon as the run has ended, without waiting out the interval.
  expect(value.ticks).toBe(1);
  expect(unhandled).toEqual([]);
});

test('ticks until the run succeeds, then returns its result (no tick after the end)', async () => {
  let ticks = 0;
  let succeed!: (value: string) => void;
  const result = new Promise<string>((resolve) => (succeed = resolve));
  const value = await followUntilSettled(
    result,
    async () => {
      ticks += 1;
      if (ticks === 3) succeed('video');
    },
    5,
  );
  expect(value).toBe('video');
  expect(ticks).toBe(3);
});
