/**
 * `rivya-sora2-temporal/testing`: for your own tests — find or fetch the Temporal CLI that runs the
 * local dev server (no Docker). Start the fake Rivya API from `rivya-sora2-temporal/simulator`.
 */
export { ensureTemporalCli, locateTemporalCli, TemporalCliNotFoundError } from './index';
