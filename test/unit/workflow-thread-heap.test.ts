/**
 * The workflow threads' heap limit: applied to threads created inside the window (as the SDK creates
 * its workflow threads inside Worker.create), reset for threads created afterwards, and left alone
 * when the operator gave node a heap limit. Real worker_threads, each reading its own V8 limit.
 */
import { Worker } from 'node:worker_threads';
import { Sora2ConfigError } from '../../src/worker/config-error';
import { heapLimitSetByOperator, withWorkflowThreadHeap, workflowThreadHeapMb } from '../../src/worker/workflow-thread-heap';

/** Starts a thread, waits until its isolate answers (as the SDK awaits its threads' init), returns its heap limit in MB. */
function threadHeapLimitMb(): Promise<number> {
  const thread = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.once('message', () => parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit));`,
    { eval: true },
  );
  return new Promise((resolve, reject) => {
    thread.once('message', (bytes: number) => {
      void thread.terminate();
      resolve(bytes / 2 ** 20);
    });
    thread.once('error', reject);
    thread.postMessage('limit?');
  });
}

const operatorLimit = heapLimitSetByOperator();

describe('workflow thread heap', () => {
  it('sizes the limit from the cache: 128 MB plus 1 MB per cached workflow', () => {
    expect(workflowThreadHeapMb(100)).toBe(228);
    expect(workflowThreadHeapMb(0)).toBe(128);
    expect(workflowThreadHeapMb(2_310)).toBe(2_438);
  });

  (operatorLimit ? it.skip : it)('limits threads created inside the window and resets it for later ones', async () => {
    const defaultLimit = await threadHeapLimitMb();
    const { value: inside, appliedMb } = await withWorkflowThreadHeap(200, () => threadHeapLimitMb());
    const after = await threadHeapLimitMb();
    expect(appliedMb).toBe(200);
    // V8 adds the young generation to the old-space limit: a few MB with the 4 MB semi-space.
    expect(inside).toBeGreaterThanOrEqual(200);
    expect(inside).toBeLessThan(230);
    expect(defaultLimit).toBeGreaterThan(1_000);
    expect(after).toBe(defaultLimit);
  });

  it('leaves node alone when told so', async () => {
    const { value, appliedMb } = await withWorkflowThreadHeap(false, () => threadHeapLimitMb());
    expect(appliedMb).toBeUndefined();
    expect(value).toBeGreaterThan(1_000);
  });

  it("an operator's --max-old-space-size wins, in flags or NODE_OPTIONS", () => {
    expect(heapLimitSetByOperator(['--max-old-space-size=512'], '')).toBe(true);
    expect(heapLimitSetByOperator([], '--enable-source-maps --max_old_space_size=300')).toBe(true);
    expect(heapLimitSetByOperator(['--enable-source-maps'], '--require x.js')).toBe(false);
  });

  it('refuses a limit too small to hold the workflow bundle', async () => {
    await expect(withWorkflowThreadHeap(16, () => Promise.resolve(1))).rejects.toThrow(Sora2ConfigError);
    await expect(withWorkflowThreadHeap(100.5, () => Promise.resolve(1))).rejects.toThrow(/integer ≥ 64 MB/);
  });
});
