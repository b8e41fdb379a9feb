export { ensureTemporalCli, type EnsureTemporalCliOptions } from './ensure';
export { locateTemporalCli, TemporalCliNotFoundError, TEMPORAL_CLI_ENV, type LocatedTemporalCli } from './locate';
export { TEMPORAL_CLI_VERSION } from './build';
