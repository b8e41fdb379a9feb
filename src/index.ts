/**
 * `rivya-sora2-temporal`: the worker/client side. Workflow-safe code lives in
 * `rivya-sora2-temporal/workflow`; the API simulator in `rivya-sora2-temporal/simulator`.
 */
export * from './rivya';
export { ensureTemporalCli, locateTemporalCli, TemporalCliNotFoundError } from './temporal-cli';
export { RIVYA_MODEL, RIVYA_SEARCH_ATTRIBUTES, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from '../workflows/search-attributes';
