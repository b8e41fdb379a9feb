/** The options of `Sora2Plugin`: the settings (resolve-settings.ts) plus the parts a program hands over ready-made. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { WaitOptions } from '../../activities';
import type { Sora2EncryptionOption } from '../codec/plugin-encryption';
import type { Sora2NexusOptions } from '../nexus/options';
import type { FetchLike, RivyaClient } from '../rivya/client';
import type { Sora2SettingsOptions } from './resolve-settings';
import type { WarmStartSetting } from './warm-start';

/**
 * apiKey, baseUrl, requestTimeoutMs, referenceDirectory, webhooks, saveDirectory, referenceUrlPolicy
 * and the rate limits: see Sora2SettingsOptions (each overrides its RIVYA_* variable).
 */
export interface Sora2PluginOptions extends Sora2SettingsOptions {
  /** A ready client (custom transport); overrides apiKey/baseUrl. */
  client?: RivyaClient;
  fetch?: FetchLike;
  /** The S3 client of result saves (`save.to: s3://…`); default: one from the worker's AWS chain (AWS_REGION, AWS_ENDPOINT_URL_S3, profiles). */
  s3Client?: S3Client;
  /**
   * Waiting tuned for this worker: a shared duration learner (give the same one to a webhook
   * receiver in this process), a scale on the built-in expected durations, and the warm start —
   * on by default: at start the learner is seeded from the task queue's recent succeeded runs
   * (at most 200, 24 h old); `false` switches it off.
   */
  wait?: Pick<WaitOptions, 'learner' | 'priorScale'> & { warmStart?: WarmStartSetting };
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
