/**
 * `rivya-sora2-temporal/worker`: the worker side beyond the plugin — a ready worker
 * (`createSora2Worker`, which uses the prebuilt workflow bundle when it matches your SDK), the
 * activities for a worker wired by hand, and the SDK check the plugin runs at worker creation.
 * Loads `@temporalio/worker`; a backend that only starts generations never needs this entry.
 */
export { createSora2Worker, type CreateSora2WorkerOptions } from '../worker/create-worker';
export { prebuiltWorkflowBundle } from '../worker/workflow-bundle';
export { assertOneTemporalSdk, supportedSdkRange, Sora2SdkVersionError } from '../worker/sdk-compat';
export {
  CompletionLearner,
  createSora2Activities,
  type ReferenceSettings,
  type ReferenceUrlPolicy,
  type SaveSettings,
  type WaitOptions,
} from '../../activities';
