/**
 * `Sora2Plugin`: registers the Sora 2 activities (and their Rivya client) on a worker. TypeScript
 * plugins cannot ship workflows: re-export `sora2Generation` from your workflows module
 * (`export { sora2Generation } from 'rivya-sora2-temporal/workflow'`).
 *
 * It composes: the settings are resolved once (resolve-settings.ts), the activities built from them
 * when a worker is configured (rivya-activities.ts), the resolved worker tuning applied
 * (worker-tuning.ts), and tracing is the SDK's OpenTelemetryPlugin, applied after this one.
 */
import { dirname } from 'node:path';
import type { BundleOptions, ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { CompletionLearner } from '../../activities/completion-learner';
import { encryptionCodecOf } from '../codec/plugin-encryption';
import { rivyaTracerOf, tracingPluginOf } from '../observability/tracing-plugin';
import { ComposedPlugin } from './composed-plugin';
import { nexusServicesOf } from './load-nexus';
import type { Sora2PluginOptions } from './plugin-options';
import { resolveSora2Settings, type Sora2Settings } from './resolve-settings';
import { buildSora2Activities } from './rivya-activities';
import { assertOneTemporalSdk } from './sdk-compat';
import type { RivyaWorkerSettings } from './settings';
import { warmStartInBackground, type WarmStartSetting } from './warm-start';
import { withWorkerTuning } from './worker-tuning';

export type { Sora2PluginOptions, Sora2TracingOptions } from './plugin-options';

export const SORA2_PLUGIN_NAME = 'rivya-sora2';

export class Sora2Plugin extends ComposedPlugin {
  // Private (#): the settings reach the API key, and nothing here shows in inspect/JSON.
  readonly #settings: Sora2Settings;
  readonly #tracing: boolean;
  readonly #learner: CompletionLearner;
  readonly #warmStart: WarmStartSetting;

  constructor(options: Sora2PluginOptions = {}) {
    const codec = encryptionCodecOf(options.encryption, options.env);
    // Read once, here: the environment object is not kept.
    const settings = resolveSora2Settings(options, options.env);
    const tracing = tracingPluginOf(options.tracing);
    // One learner for the activities and the warm start that seeds it.
    const learner = options.wait?.learner ?? new CompletionLearner();
    const parts = {
      client: options.client,
      fetch: options.fetch,
      s3Client: options.s3Client,
      wait: { ...options.wait, learner },
      tracer: tracing ? () => rivyaTracerOf(tracing) : undefined,
    };
    super(
      {
        name: SORA2_PLUGIN_NAME,
        // Built when a worker is configured, so a client-only use of the plugin needs no API key.
        activities: (existing) => ({ ...existing, ...buildSora2Activities(settings, parts) }),
        // Appended to the user's codecs (so it runs last on encode, first on decode); nothing when off.
        dataConverter: (existing) =>
          codec ? { ...existing, payloadCodecs: [...(existing?.payloadCodecs ?? []), codec] } : (existing ?? {}),
        nexusServices: nexusServicesOf(options.nexus),
      },
      tracing ? [tracing] : [],
    );
    this.#settings = settings;
    this.#tracing = tracing !== undefined;
    this.#learner = learner;
    this.#warmStart = options.wait?.warmStart ?? true;
  }

  /** The worker's duration learner: hand it to a webhook receiver in this process (`learner` option). */
  get learner(): CompletionLearner {
    return this.#learner;
  }

  /** Whether tracing is on (the worker then needs the OpenTelemetry workflow interceptors in its bundle). */
  get tracing(): boolean {
    return this.#tracing;
  }

  /** The settings this plugin resolved (API key redacted in logs). */
  get settings(): Sora2Settings {
    return this.#settings;
  }

  /** The Rivya settings the activities use (API key redacted in logs), when resolved from settings. */
  get rivyaSettings(): RivyaWorkerSettings | undefined {
    const { rivya } = this.#settings;
    return rivya instanceof Error ? undefined : rivya.connection;
  }

  // Before anything runs (bundling, polling, the paid create): one SDK copy, in the supported range.
  override configureWorker(options: WorkerOptions): WorkerOptions {
    assertOneTemporalSdk(appDirOf(options.workflowsPath));
    return withWorkerTuning(super.configureWorker(options), this.#settings);
  }

  override runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    warmStartInBackground(worker, this.#learner, this.#warmStart);
    return super.runWorker(worker, next);
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    assertOneTemporalSdk(appDirOf(options.workflowsPath));
    return super.configureReplayWorker(options);
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    assertOneTemporalSdk(appDirOf(options.workflowsPath));
    return super.configureBundler(options);
  }
}

/** Where the application's workflow code resolves `@temporalio/workflow` from: its workflows folder, else the working directory. */
function appDirOf(workflowsPath: string | undefined): string {
  return workflowsPath ? dirname(workflowsPath) : process.cwd();
}
