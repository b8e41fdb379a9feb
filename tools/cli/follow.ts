/**
 * The CLI's wait loops (`generate --wait`, `batch --wait`): show progress every so often until the
 * run ends, then give its result or its failure.
 */

/**
 * Calls `tick` (which handles its own errors) until `result` settles, at most `everyMs` apart, and
 * returns `result`. The run may end while a tick is still in flight: the loop only watches a copy
 * of `result` that never rejects, so a failure is never left unhandled in between (that crashed
 * the process with exit 1 instead of reporting the failure).
 */
export async function followUntilSettled<T>(result: Promise<T>, tick: () => Promise<void>, everyMs: number): Promise<T> {
  let settled = false;
  const ended = result.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  while (!settled) {
    await tick();
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, everyMs))]);
  }
  return result;
}
