/**
 * `resolveSora2Settings`: everything a Sora 2 worker is configured by, resolved once. The RIVYA_*
 * variables of the environment are parsed once (settings.ts), the plugin's typed options are laid
 * over them (an option wins over its variable), and the result is typed: the plugin, createSora2Worker
 * and the packaged worker all consume it, and nothing is turned back into text.
 */
import type { Duration } from '@temporalio/common';
import type { ReferenceUrlPolicy } from '../../activities';
import {
  parseAccountsVariable,
  resolveAccounts,
  RIVYA_ACCOUNTS_ENV,
  type RivyaAccounts,
  type RivyaAccountsOption,
  type RivyaApiKeyProvider,
} from './accounts';
import { Sora2SettingsError } from './config-error';
import {
  checkNumericOption,
  knownVariablesOf,
  layOptionsOver,
  parseRivyaSettings,
  parseSettingsBesideClient,
  saveSettingsFrom,
  valuesOf,
  type RivyaSettingsOptions,
  type RivyaWorkerSettings,
  type SaveSettingsFromEnv,
  type SettingsBesideClient,
} from './settings';

/**
 * Temporal's default (10 s) is how long a workflow task waits for the worker that has the run
 * cached before any worker may take it. When that worker was killed (SIGKILL, OOM, a lost node),
 * every run it cached waits that long before another worker replays it. Our workflow tasks are
 * tiny, so a shorter wait costs at most a history refetch when a busy sticky worker polls late.
 */
export const DEFAULT_STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS = 3_000;

/**
 * The sticky cache's size where neither the application's Worker option nor
 * RIVYA_WORKER_MAX_CACHED_WORKFLOWS sets it. The SDK's own default is sized from the heap limit
 * (2,310 workflows at node's 4 GiB default), so a worker waiting on 1,000 webhooks keeps all 1,000
 * cached. A waiting generation is woken rarely (a webhook's signal, a safety-net check), and an evicted
 * one costs a replay of its ~20 events then; docs/production.md ("Memory") has the measurements.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** The typed options resolveSora2Settings lays over the environment (the Sora2Plugin's options include them). */
export interface Sora2SettingsOptions extends RivyaSettingsOptions {
  /** Reference URLs reaching private hosts over http. Default: RIVYA_REFERENCE_URL_ALLOW_PRIVATE=true allows both. */
  referenceUrlPolicy?: ReferenceUrlPolicy;
  /** Cap on Rivya calls started per second by all workers of the task queue. Default: RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Cap on activities started per second by this worker. Default: RIVYA_MAX_WORKER_CALLS_PER_SECOND. */
  maxActivitiesPerSecond?: number;
  /** A ready client brings its own key, URL and timeout: those are then neither required nor read. */
  client?: object;
  /** Settings already resolved: a Sora2Settings is used as it is; RivyaWorkerSettings stand in for the environment. */
  settings?: RivyaWorkerSettings | Sora2Settings;
  /**
   * Accounts a generation may name in its `account` input: name → API key, or `{ apiKey, baseUrl }`.
   * Laid over RIVYA_ACCOUNTS (the same shape as JSON) name by name. Runs that name none pay with the
   * default key (apiKey / RIVYA_API_KEY).
   */
  accounts?: RivyaAccountsOption;
  /**
   * The key of a named account not in `accounts`, looked up when a run first needs it (a secret
   * manager, a tenant table) and kept for 5 minutes; `undefined` for a name you do not know.
   */
  apiKeyFor?: RivyaApiKeyProvider;
}

/** The Rivya side of the settings. */
export interface Sora2RivyaSettings {
  /** Key, URL and timeout (the key hidden from logs); undefined beside a ready client. */
  readonly connection?: RivyaWorkerSettings;
  readonly referenceDirectory?: string;
  /** Generations complete by webhook unless they say otherwise. */
  readonly webhooks: boolean;
  readonly save: SaveSettingsFromEnv;
  /** The accounts a run may name (keys out of sight); NO_ACCOUNTS when none are configured. */
  readonly accounts: RivyaAccounts;
}

export interface Sora2Settings {
  readonly kind: 'sora2-settings';
  /**
   * The Rivya side, or the error that makes it unusable: kept, not thrown, because a client-only use
   * of the plugin (interceptors, encryption) needs no API key. A worker throws it (requireRivya).
   */
  readonly rivya: Sora2RivyaSettings | Sora2SettingsError;
  readonly referenceUrlPolicy?: ReferenceUrlPolicy;
  readonly maxTaskQueueActivitiesPerSecond?: number;
  readonly maxActivitiesPerSecond?: number;
  /** Set by RIVYA_WORKER_MAX_CACHED_WORKFLOWS, else DEFAULT_MAX_CACHED_WORKFLOWS (the app's Worker option wins over both). */
  readonly maxCachedWorkflows: number;
  readonly stickyQueueScheduleToStartTimeout: Duration;
  readonly taskQueue?: string;
}

export function isSora2Settings(value: unknown): value is Sora2Settings {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'sora2-settings';
}

/** The Rivya side, or its configuration error thrown: for the code that is about to run activities. */
export function requireRivya(settings: Sora2Settings): Sora2RivyaSettings {
  if (settings.rivya instanceof Error) throw settings.rivya;
  return settings.rivya;
}

const OPTIONS_IN_SETTINGS = [
  'apiKey',
  'baseUrl',
  'requestTimeoutMs',
  'referenceDirectory',
  'webhooks',
  'saveDirectory',
  'accounts',
  'apiKeyFor',
] as const;

/** The typed options over the known RIVYA_* variables of `env` (or over `options.settings`), then defaults. */
export function resolveSora2Settings(
  options: Sora2SettingsOptions = {},
  env: Record<string, string | undefined> = process.env,
): Sora2Settings {
  if (isSora2Settings(options.settings)) {
    const given = OPTIONS_IN_SETTINGS.filter((name) => options[name] !== undefined);
    if (given.length === 0) return options.settings;
    throw new Sora2SettingsError(`resolved settings and ${given.join(', ')} given together: pass the options to resolveSora2Settings`, []);
  }
  // A typed limit is the program's own value: wrong, it fails construction, not the first worker.
  const maxTaskQueue = checkNumericOption(
    'RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND',
    options.maxTaskQueueActivitiesPerSecond,
    'maxTaskQueueActivitiesPerSecond',
  );
  const maxWorker = checkNumericOption('RIVYA_MAX_WORKER_CALLS_PER_SECOND', options.maxActivitiesPerSecond, 'maxActivitiesPerSecond');
  const raw = layOptionsOver(options, options.settings ? valuesOf(options.settings) : knownVariablesOf(env));
  let parsed: SettingsBesideClient | undefined;
  let rivya: Sora2RivyaSettings | Sora2SettingsError;
  try {
    const connection = options.client ? undefined : parseRivyaSettings(raw);
    parsed = connection ?? parseSettingsBesideClient(raw);
    // RIVYA_ACCOUNTS is read from the environment only: resolved settings given instead have none.
    const accountsVariable = options.settings ? undefined : parseAccountsVariable(env[RIVYA_ACCOUNTS_ENV]);
    const accounts = resolveAccounts(options.accounts, accountsVariable, raw, options.apiKeyFor);
    rivya = {
      connection,
      referenceDirectory: parsed.RIVYA_REFERENCE_DIR,
      webhooks: parsed.RIVYA_WEBHOOKS,
      save: saveSettingsFrom(parsed),
      accounts,
    };
  } catch (error) {
    if (!(error instanceof Sora2SettingsError)) throw error;
    rivya = error;
  }
  const allowPrivate = parsed?.RIVYA_REFERENCE_URL_ALLOW_PRIVATE === 'true';
  return Object.freeze({
    kind: 'sora2-settings' as const,
    rivya,
    referenceUrlPolicy: options.referenceUrlPolicy ?? (allowPrivate ? { allowHttp: true, allowPrivateNetworks: true } : undefined),
    maxTaskQueueActivitiesPerSecond: maxTaskQueue ?? parsed?.RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND,
    maxActivitiesPerSecond: maxWorker ?? parsed?.RIVYA_MAX_WORKER_CALLS_PER_SECOND,
    maxCachedWorkflows: parsed?.RIVYA_WORKER_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    stickyQueueScheduleToStartTimeout: parsed?.RIVYA_WORKER_STICKY_TIMEOUT_MS ?? DEFAULT_STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS,
    taskQueue: parsed?.RIVYA_TASK_QUEUE,
  });
}
