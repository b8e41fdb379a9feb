/**
 * `rivya-sora2-temporal/workflow`: only workflow-safe code (no I/O, no Node built-ins), so it can be
 * imported from a Temporal workflows module and bundled into the workflow sandbox.
 */
export { RIVYA_MODEL, RIVYA_SEARCH_ATTRIBUTES, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from '../workflows/search-attributes';
