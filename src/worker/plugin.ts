/**
 * `Sora2Plugin`: registers the Sora 2 activities (and their Rivya client) on a worker. TypeScript
 * plugins cannot ship workflows: re-export `sora2Generation` from your workflows module
 * (`export { sora2Generation } from 'rivya-sora2-temporal/workflow'`).
 */
import { dirname } from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ClientOptions } from '@temporalio/client';
import type { OpenTelemetryPlugin, OpenTelemetryPluginOptions } from '@temporalio/interceptors-opentelemetry';
import { SimplePlugin } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, WorkerOptions } from '@temporalio/worker';
import type { ReferenceUrlPolicy, WaitOptions } from '../../activities';
import type { Sora2NexusOptions } from '../nexus/options';
import { encryptionCodecOf, type Sora2EncryptionOption } from '../codec/plugin-encryption';
import { assertNexusPeers, requireOptional } from '../internal/optional-module';
import { createRivyaRequestObserver } from '../observability/rivya-http-observer';
import { RivyaClient, type FetchLike } from '../rivya/client';
import { RIVYA_TRACER_NAME } from '../observability/tracer-name';
import { assertOneTemporalSdk } from './sdk-compat';
import {
  checkNumericOption,
  checkReferenceDirectory,
  checkSaveDirectory,
  resolveSaveSettings,
  saveSettingsFrom,
  type SaveSettingsFromEnv,
  resolveReferenceDirectory,
  resolveRivyaSettings,
  type RivyaSettingsOptions,
  type RivyaWorkerSettings,
} from './settings';

/** apiKey, baseUrl, requestTimeoutMs and referenceDirectory: see RivyaSettingsOptions (each overrides its RIVYA_* variable). */
export interface Sora2PluginOptions extends RivyaSettingsOptions {
  referenceUrlPolicy?: ReferenceUrlPolicy;
  /** A ready client (custom transport); overrides apiKey/baseUrl. */
  client?: RivyaClient;
  fetch?: FetchLike;
  /** The S3 client of result saves (`save.to: s3://…`); default: one from the worker's AWS chain (AWS_REGION, AWS_ENDPOINT_URL_S3, profiles). */
  s3Client?: S3Client;
  /** Cap on Rivya calls started per second by all workers of the task queue. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Cap on activities started per second by this worker. */
  maxActivitiesPerSecond?: number;
  /** Waiting tuned for this worker: a shared duration learner, or a scale on the built-in expected durations. */
  wait?: Pick<WaitOptions, 'learner' | 'priorScale'>;
  /** Settings already resolved (readRivyaSettings / resolveRivyaSettings): used as they are, no variable is read. */
  settings?: RivyaWorkerSettings;
  /**
   * Where RIVYA_* settings are read from when not given. Default: process.env. Read once, when the
   * plugin is constructed; only the known RIVYA_* variables are taken, the object is not kept.
   */
  env?: Record<string, string | undefined>;
  /**
   * OpenTelemetry tracing, off by default: Temporal's client, workflow and activity interceptors
   * (OpenTelemetryPlugin) plus a span per Rivya HTTP call. `startTracing(...).pluginOptions` gives
   * one exporting over OTLP; with a prebuilt workflow bundle, bundle it with this plugin (or use
   * createSora2Worker, which picks the traced bundle) so the workflow interceptors are in it.
   */
  tracing?: Sora2TracingOptions;
  /**
   * Encrypt every payload (inputs, results, signals, memo, summaries) with AES-256-GCM on this
   * worker or client: `true` reads RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE (from `env`, else
   * process.env); `{ keys }` takes a CodecKeyRing or its keys. A requested but unusable key ring
   * throws here: encryption never silently falls back to plaintext.
   */
  encryption?: Sora2EncryptionOption;
  /**
   * Serve the `generate` Nexus operation (service `rivya-sora2`) on this worker's task queue, for a
   * Nexus endpoint targeting it. Off by default: it adds a Nexus poller to every worker, and whoever
   * may call the endpoint spends this account's credits, so serving it is a decision, not a default.
   */
  nexus?: boolean | Sora2NexusOptions;
}

/**
 * The options of `OpenTelemetryPlugin` from `@temporalio/interceptors-opentelemetry` (an optional
 * peer), e.g. `startTracing(...).pluginOptions`. Typed as `object` here so that the main entry's
 * published types compile in an application that does not trace (and so has no such package).
 */
export type Sora2TracingOptions = object;

export const SORA2_PLUGIN_NAME = 'rivya-sora2';

/** What the activities are built from, captured at construction: never the environment itself. */
type RivyaSource =
  | { kind: 'client'; referenceDirectory: string | undefined; webhooks: boolean; save: SaveSettingsFromEnv }
  | { kind: 'settings'; settings: RivyaWorkerSettings }
  // A client-only use of the plugin needs no API key: a settings error surfaces only on a worker.
  | { kind: 'invalid'; error: unknown };

export class Sora2Plugin extends SimplePlugin {
  // Private (#) fields: a ready client holds its key, and nothing here shows in inspect/JSON.
  readonly #client: RivyaClient | undefined;
  readonly #fetch: FetchLike | undefined;
  readonly #s3Client: S3Client | undefined;
  readonly #source: RivyaSource;
  readonly #referenceUrlPolicy: ReferenceUrlPolicy | undefined;
  readonly #maxTaskQueueActivitiesPerSecond: number | undefined;
  readonly #maxActivitiesPerSecond: number | undefined;
  readonly #wait: Pick<WaitOptions, 'learner' | 'priorScale'>;
  readonly #tracing: OpenTelemetryPlugin | undefined;
  readonly #codec: PayloadCodec | undefined;

  constructor(options: Sora2PluginOptions = {}) {
    super({
      name: SORA2_PLUGIN_NAME,
      // Built when a worker is configured, so a client-only use of the plugin needs no API key.
      activities: (existing) => ({ ...existing, ...this.#buildActivities() }),
      // Appended to the user's codecs (so it runs last on encode, first on decode); nothing when off.
      dataConverter: (existing) =>
        this.#codec ? { ...existing, payloadCodecs: [...(existing?.payloadCodecs ?? []), this.#codec] } : (existing ?? {}),
      nexusServices: options.nexus ? [loadNexus().createSora2NexusServiceHandler(options.nexus === true ? {} : options.nexus)] : undefined,
    });
    this.#codec = encryptionCodecOf(options.encryption, options.env);
    this.#client = options.client;
    this.#fetch = options.fetch;
    this.#s3Client = options.s3Client;
    this.#referenceUrlPolicy = options.referenceUrlPolicy;
    this.#wait = options.wait ?? {};
    this.#maxTaskQueueActivitiesPerSecond = checkNumericOption(
      'RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND',
      options.maxTaskQueueActivitiesPerSecond,
      'maxTaskQueueActivitiesPerSecond',
    );
    this.#maxActivitiesPerSecond = checkNumericOption(
      'RIVYA_MAX_WORKER_CALLS_PER_SECOND',
      options.maxActivitiesPerSecond,
      'maxActivitiesPerSecond',
    );
    this.#source = captureSource(options);
    this.#tracing = options.tracing ? new (loadTracing().OpenTelemetryPlugin)(options.tracing as OpenTelemetryPluginOptions) : undefined;
  }

  /** Whether tracing is on (the worker then needs the OpenTelemetry workflow interceptors in its bundle). */
  get tracing(): boolean {
    return this.#tracing !== undefined;
  }

  override configureClient(options: ClientOptions): ClientOptions {
    const configured = super.configureClient(options);
    return this.#tracing ? this.#tracing.configureClient(configured) : configured;
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    assertOneTemporalSdk(appDirOf(options.workflowsPath));
    const configured = super.configureReplayWorker(options);
    return this.#tracing ? this.#tracing.configureReplayWorker(configured) : configured;
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    assertOneTemporalSdk(appDirOf(options.workflowsPath));
    const configured = super.configureBundler(options);
    return this.#tracing ? this.#tracing.configureBundler(configured) : configured;
  }

  /** The Rivya settings the activities use (API key redacted in logs), when resolved from settings. */
  get rivyaSettings(): RivyaWorkerSettings | undefined {
    return this.#source.kind === 'settings' ? this.#source.settings : undefined;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    // Before anything runs (bundling, polling, the paid create): one SDK copy, in the supported range.
    assertOneTemporalSdk(appDirOf(options.workflowsPath));
    const own = super.configureWorker(options);
    const configured = this.#tracing ? this.#tracing.configureWorker(own) : own;
    const maxTaskQueueActivitiesPerSecond = this.#maxTaskQueueActivitiesPerSecond;
    const maxActivitiesPerSecond = this.#maxActivitiesPerSecond;
    return {
      ...configured,
      ...(maxTaskQueueActivitiesPerSecond !== undefined && configured.maxTaskQueueActivitiesPerSecond === undefined
        ? { maxTaskQueueActivitiesPerSecond }
        : {}),
      ...(maxActivitiesPerSecond !== undefined && configured.maxActivitiesPerSecond === undefined ? { maxActivitiesPerSecond } : {}),
    };
  }

  #buildActivities() {
    const source = this.#source;
    const urlPolicy = this.#referenceUrlPolicy;
    if (source.kind === 'invalid') throw source.error;
    if (source.kind === 'client') {
      // A ready client brings its own key, URL and timeout: nothing else is required or read.
      checkReferenceDirectory(source.referenceDirectory);
      checkSaveDirectory(source.save.saveDirectory);
      return loadActivities().createSora2Activities(
        this.#client as RivyaClient,
        { referenceDirectory: source.referenceDirectory, urlPolicy },
        { ...this.#wait, webhooksByDefault: source.webhooks },
        { ...source.save, s3Client: this.#s3Client },
      );
    }
    const { settings } = source;
    // A missing or unreadable directory fails the worker's start, not every upload later.
    checkReferenceDirectory(settings.RIVYA_REFERENCE_DIR);
    checkSaveDirectory(settings.RIVYA_SAVE_DIR);
    const client = new RivyaClient({
      apiKey: settings.RIVYA_API_KEY,
      baseUrl: settings.RIVYA_BASE_URL,
      timeoutMs: settings.RIVYA_REQUEST_TIMEOUT_MS,
      fetch: this.#fetch,
      // HTTP error counts always; spans when tracing is on (the tracer of the registered provider).
      observer: createRivyaRequestObserver({
        tracer: this.#tracing ? (this.#tracing.otelOptions.tracer ?? loadTracerOf()) : undefined,
      }),
    });
    return loadActivities().createSora2Activities(
      client,
      { referenceDirectory: settings.RIVYA_REFERENCE_DIR, urlPolicy },
      { ...this.#wait, webhooksByDefault: settings.RIVYA_WEBHOOKS },
      { ...saveSettingsFrom(settings), s3Client: this.#s3Client },
    );
  }
}

/**
 * The worker side and the optional integrations load when a worker is configured or the option is
 * on — never at `import`: a backend that only starts generations loads the Temporal client and little else.
 */
function loadActivities(): typeof import('../../activities') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred to worker configuration (see above)
  return require('../../activities') as typeof import('../../activities');
}

function loadNexus(): typeof import('../nexus') {
  assertNexusPeers('Sora2Plugin({ nexus })');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred until Nexus is switched on
  return require('../nexus') as typeof import('../nexus');
}

function loadTracing(): typeof import('@temporalio/interceptors-opentelemetry') {
  return requireOptional('@temporalio/interceptors-opentelemetry', 'Sora2Plugin({ tracing })');
}

/** The tracer of the registered provider, under this library's name (the one the tracing entry uses). */
function loadTracerOf() {
  const { trace } = requireOptional<typeof import('@opentelemetry/api')>('@opentelemetry/api', 'Sora2Plugin({ tracing })');
  return trace.getTracer(RIVYA_TRACER_NAME);
}

/** Where the application's workflow code resolves `@temporalio/workflow` from: its workflows folder, else the working directory. */
function appDirOf(workflowsPath: string | undefined): string {
  return workflowsPath ? dirname(workflowsPath) : process.cwd();
}

/** Reads the settings once: the typed options over the known RIVYA_* variables of `env`. */
function captureSource(options: Sora2PluginOptions): RivyaSource {
  try {
    if (options.client) {
      const referenceDirectory =
        options.settings && options.referenceDirectory === undefined
          ? options.settings.RIVYA_REFERENCE_DIR
          : resolveReferenceDirectory(options, options.env ?? process.env);
      const webhooks = options.webhooks ?? options.settings?.RIVYA_WEBHOOKS ?? (options.env ?? process.env).RIVYA_WEBHOOKS === 'true';
      const save =
        options.settings && options.saveDirectory === undefined
          ? saveSettingsFrom(options.settings)
          : resolveSaveSettings(options, options.env ?? process.env);
      return { kind: 'client', referenceDirectory, webhooks, save };
    }
    if (options.settings) {
      // Typed options still win over already-resolved settings: re-resolve from the settings' values.
      const hasOverrides =
        options.apiKey !== undefined ||
        options.baseUrl !== undefined ||
        options.requestTimeoutMs !== undefined ||
        options.referenceDirectory !== undefined ||
        options.saveDirectory !== undefined ||
        options.webhooks !== undefined;
      if (!hasOverrides) return { kind: 'settings', settings: options.settings };
      return { kind: 'settings', settings: resolveRivyaSettings(options, settingsAsVariables(options.settings)) };
    }
    return { kind: 'settings', settings: resolveRivyaSettings(options, options.env ?? process.env) };
  } catch (error) {
    return { kind: 'invalid', error };
  }
}

function settingsAsVariables(settings: RivyaWorkerSettings): Record<string, string | undefined> {
  const variables: Record<string, string | undefined> = { RIVYA_API_KEY: settings.RIVYA_API_KEY };
  for (const [name, value] of Object.entries(settings)) variables[name] = value === undefined ? undefined : String(value);
  return variables;
}
