/**
 * `rivya-sora2-temporal/worker`: the worker side beyond the plugin — a ready worker
 * (`createSora2Worker`, which uses the prebuilt workflow bundle when it matches your SDK), the
 * activities for a worker wired by hand, the settings resolver the plugin and the packaged worker
 * use (`resolveSora2Settings`), and the SDK check the plugin runs at worker creation.
 * Loads `@temporalio/worker`; a backend that only starts generations never needs this entry.
 */
export { createSora2Worker, type CreateSora2WorkerOptions } from '../worker/create-worker';
export {
  DEFAULT_STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS,
  requireRivya,
  resolveSora2Settings,
  type Sora2RivyaSettings,
  type Sora2Settings,
  type Sora2SettingsOptions,
} from '../worker/resolve-settings';
export { Sora2SettingsError } from '../worker/config-error';
// Which account pays: names → keys (accounts / RIVYA_ACCOUNTS / apiKeyFor), one client per account.
export {
  MAX_CONFIGURED_ACCOUNTS,
  RIVYA_ACCOUNTS_ENV,
  RivyaAccounts,
  type RivyaAccountConfig,
  type RivyaAccountsOption,
  type RivyaApiKeyProvider,
} from '../worker/accounts';
export {
  AccountKeyUnavailableError,
  RivyaAccountClients,
  UnknownAccountError,
  type AccountClientsOptions,
  type AccountConnection,
  type RivyaClientsByAccount,
} from '../worker/account-clients';
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
// What createSora2Worker throws when it connects from TEMPORAL_* itself.
export { Sora2TemporalAddressError, Sora2TemporalUnreachableError } from '../worker/temporal-address';
