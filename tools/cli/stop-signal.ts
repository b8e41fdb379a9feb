/** How the long-running commands (codec server, webhook receiver) wait to be stopped. */

/** Resolves on the first SIGINT or SIGTERM, then stops listening (a second one gets Node's default). */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
