/**
 * `rivya-sora2-temporal`: the worker/client side. Workflow-safe code lives in
 * `rivya-sora2-temporal/workflow`; the API simulator in `rivya-sora2-temporal/simulator`.
 */
export { Sora2Plugin, SORA2_PLUGIN_NAME, type Sora2PluginOptions } from './plugin';
export {
  DEFAULT_SORA2_TASK_QUEUE,
  executeSora2Generation,
  SORA2_WORKFLOW_TYPE,
  Sora2InputError,
  startSora2Generation,
  type StartSora2Options,
  type Sora2WorkflowHandle,
} from './client-helpers';
export { generationFailureOf, type GenerationFailure } from './generation-failure';
export { createSora2Worker, type CreateSora2WorkerOptions } from './worker/create-worker';
export { readRivyaSettings, Sora2ConfigError, type RivyaWorkerSettings } from './worker-settings';
export { createSora2Activities, type ReferenceSettings, type ReferenceUrlPolicy } from '../activities';
export * from './rivya';
export * from './workflow';
export { ensureTemporalCli, locateTemporalCli, TemporalCliNotFoundError } from './temporal-cli';
