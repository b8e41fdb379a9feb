/**
 * `Sora2Plugin`: registers the Sora 2 activities (and their Rivya client) on a worker. TypeScript
 * plugins cannot ship workflows: re-export `sora2Generation` from your workflows module
 * (`export { sora2Generation } from 'rivya-sora2-temporal/workflow'`).
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { WorkerOptions } from '@temporalio/worker';
import { createSora2Activities, type ReferenceUrlPolicy } from '../activities';
import { RivyaClient, type FetchLike } from './rivya/client';
import { resolveReferenceDirectory, resolveRivyaSettings, type RivyaSettingsOptions } from './worker-settings';

/** apiKey, baseUrl, requestTimeoutMs and referenceDirectory: see RivyaSettingsOptions (each overrides its RIVYA_* variable). */
export interface Sora2PluginOptions extends RivyaSettingsOptions {
  referenceUrlPolicy?: ReferenceUrlPolicy;
  /** A ready client (custom transport); overrides apiKey/baseUrl. */
  client?: RivyaClient;
  fetch?: FetchLike;
  /** Cap on Rivya calls started per second by all workers of the task queue. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Cap on activities started per second by this worker. */
  maxActivitiesPerSecond?: number;
  /** Where settings are read from when not given. Default: process.env. */
  env?: Record<string, string | undefined>;
}

export const SORA2_PLUGIN_NAME = 'rivya-sora2';

export class Sora2Plugin extends SimplePlugin {
  constructor(private readonly sora2Options: Sora2PluginOptions = {}) {
    super({
      name: SORA2_PLUGIN_NAME,
      // Built when a worker is configured, so a client-only use of the plugin needs no API key.
      activities: (existing) => ({ ...existing, ...buildActivities(sora2Options) }),
    });
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    const { maxTaskQueueActivitiesPerSecond, maxActivitiesPerSecond } = this.sora2Options;
    return {
      ...configured,
      ...(maxTaskQueueActivitiesPerSecond !== undefined && configured.maxTaskQueueActivitiesPerSecond === undefined
        ? { maxTaskQueueActivitiesPerSecond }
        : {}),
      ...(maxActivitiesPerSecond !== undefined && configured.maxActivitiesPerSecond === undefined ? { maxActivitiesPerSecond } : {}),
    };
  }
}

function buildActivities(options: Sora2PluginOptions) {
  const env = options.env ?? process.env;
  const urlPolicy = options.referenceUrlPolicy;
  if (options.client) {
    // A ready client brings its own key, URL and timeout: nothing else is required or read.
    return createSora2Activities(options.client, { referenceDirectory: resolveReferenceDirectory(options, env), urlPolicy });
  }
  const settings = resolveRivyaSettings(options, env);
  const client = new RivyaClient({
    apiKey: settings.RIVYA_API_KEY,
    baseUrl: settings.RIVYA_BASE_URL,
    timeoutMs: settings.RIVYA_REQUEST_TIMEOUT_MS,
    fetch: options.fetch,
  });
  return createSora2Activities(client, { referenceDirectory: settings.RIVYA_REFERENCE_DIR, urlPolicy });
}
