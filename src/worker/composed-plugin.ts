/**
 * A SimplePlugin that applies other plugins after its own configuration, hook by hook: how
 * Sora2Plugin carries the SDK's OpenTelemetryPlugin (one plugin for the application to register)
 * without repeating the delegation in every hook.
 */
import type { ClientOptions } from '@temporalio/client';
import { SimplePlugin, type SimplePluginOptions } from '@temporalio/plugin';
import type { BundleOptions, ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';

export class ComposedPlugin extends SimplePlugin {
  readonly #parts: readonly SimplePlugin[];

  constructor(options: SimplePluginOptions, parts: readonly SimplePlugin[]) {
    super(options);
    this.#parts = parts;
  }

  override configureClient(options: ClientOptions): ClientOptions {
    return this.#parts.reduce((configured, part) => part.configureClient(configured), super.configureClient(options));
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    return this.#parts.reduce((configured, part) => part.configureWorker(configured), super.configureWorker(options));
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    return this.#parts.reduce((configured, part) => part.configureReplayWorker(configured), super.configureReplayWorker(options));
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    return this.#parts.reduce((configured, part) => part.configureBundler(configured), super.configureBundler(options));
  }

  override runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    const run = this.#parts.reduceRight<(w: Worker) => Promise<void>>((inner, part) => (w) => part.runWorker(w, inner), next);
    return super.runWorker(worker, run);
  }
}
