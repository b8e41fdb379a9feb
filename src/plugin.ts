/**
 * `Sora2Plugin`: registers the Sora 2 activities (and their Rivya client) on a worker. TypeScript
 * plugins cannot ship workflows: re-export `sora2Generation` from your workflows module
 * (`export { sora2Generation } from 'rivya-sora2-temporal/workflow'`).
 */
import { SimplePlugin } from '@temporalio/plugin';
import type { WorkerOptions } from '@temporalio/worker';
import { createSora2Activities, type ReferenceUrlPolicy } from '../activities';
import { RivyaClient, type FetchLike } from './rivya/client';
import { readRivyaSettings } from './worker-settings';

export interface Sora2PluginOptions {
  /** Default: RIVYA_API_KEY from the worker's environment. Only the worker ever holds it. */
  apiKey?: string;
  /** Default: RIVYA_BASE_URL, else Rivya's production host. */
  baseUrl?: string;
  /** Default: RIVYA_REQUEST_TIMEOUT_MS, else 30 s. */
  requestTimeoutMs?: number;
  /** Local references are read only from here. Default: RIVYA_REFERENCE_DIR; unset refuses paths. */
  referenceDirectory?: string;
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
  let client = options.client;
  let referenceDirectory = options.referenceDirectory;
  if (!client) {
    const settings = readRivyaSettings({
      ...env,
      ...(options.apiKey !== undefined ? { RIVYA_API_KEY: options.apiKey } : {}),
      ...(options.baseUrl !== undefined ? { RIVYA_BASE_URL: options.baseUrl } : {}),
      ...(options.requestTimeoutMs !== undefined ? { RIVYA_REQUEST_TIMEOUT_MS: String(options.requestTimeoutMs) } : {}),
    });
    client = new RivyaClient({
      apiKey: settings.RIVYA_API_KEY,
      baseUrl: settings.RIVYA_BASE_URL,
      timeoutMs: settings.RIVYA_REQUEST_TIMEOUT_MS,
      fetch: options.fetch,
    });
    referenceDirectory ??= settings.RIVYA_REFERENCE_DIR;
  }
  referenceDirectory ??= env.RIVYA_REFERENCE_DIR;
  return createSora2Activities(client, { referenceDirectory, urlPolicy: options.referenceUrlPolicy });
}
