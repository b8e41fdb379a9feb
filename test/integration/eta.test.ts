/**
 * The ETA on the real dev server: "unknown" while the worker has learned nothing of that model
 * and n_frames; after a few finished tasks the status query shows an estimate (finish time,
 * progress below 100 %, its basis) resting on the quantiles the create recorded; "finished" at the end.
 */
import { sora2StatusQuery, type Sora2GenerationInput } from '../../src';
import type { WorkflowHandle } from '@temporalio/client';
import { waitFor } from '../helpers/simulator';
import { FAST_POLLING, useTestStack } from '../helpers/stack';

const stack = useTestStack({ resetBeforeEach: { timing: { queuedMs: [200, 200], processingMs: { default: [2_000, 2_000] } } } });
const input = (prompt: string): Sora2GenerationInput => ({ prompt, polling: { ...FAST_POLLING, expectedDurationMs: 2_000 } });

async function whilePolling(handle: WorkflowHandle) {
  return waitFor(async () => {
    const status = await handle.query(sora2StatusQuery);
    return status.phase === 'polling' && status.taskId ? status : undefined;
  });
}

test('unknown without learned durations; an estimate below 100 % once tasks have finished; finished at the end', async () => {
  const first = await stack.start(input('[sim:succeed] the first of its kind'), 'eta-first');
  const unknown = (await whilePolling(first)).eta!;
  expect(unknown).toMatchObject({ kind: 'unknown', finishAt: null, progressPercent: null, durations: null });
  await first.result();

  const learning = await Promise.all([1, 2, 3, 4, 5].map((i) => stack.start(input(`[sim:succeed] teach ${i}`), `eta-teach-${i}`)));
  await Promise.all(learning.map((handle) => handle.result()));

  const next = await stack.start(input('[sim:succeed] now with data'), 'eta-estimate');
  const status = await whilePolling(next);
  const eta = status.eta!;
  expect(eta.kind).toBe('estimate');
  expect(eta.durations!.samples).toBeGreaterThanOrEqual(5);
  expect(eta.durations!.points.length).toBeLessThanOrEqual(5);
  expect(eta.progressPercent!).toBeGreaterThanOrEqual(0);
  expect(eta.progressPercent!).toBeLessThanOrEqual(99);
  const finishInMs = Date.parse(eta.finishAt!) - Date.parse(eta.taskCreatedAt!);
  // The tasks took ~2.2 s on Rivya's clock: the estimate is of that order, not the 2 s input guess ×10.
  expect(finishInMs).toBeGreaterThan(1_000);
  expect(finishInMs).toBeLessThan(10_000);
  await next.result();
  expect((await next.query(sora2StatusQuery)).eta).toMatchObject({ kind: 'finished', progressPercent: 100 });
});
