/**
 * A ready-to-run worker for the Sora 2 workflow: connection from @temporalio/envconfig
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, profiles), settings
 * resolved once by the plugin (resolveSora2Settings: typed options over RIVYA_*), graceful shutdown
 * on SIGINT/SIGTERM (the SDK drains in-flight tasks).
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { DEFAULT_SORA2_TASK_QUEUE } from '../client/helpers';
import { Sora2Plugin, type Sora2PluginOptions } from './plugin';
import { requireOptional } from '../internal/optional-module';
import { prebuiltWorkflowBundle } from './workflow-bundle';
import { connectToTemporal } from './temporal-connect';
import { withWorkflowThreadHeap, workflowThreadHeapMb } from './workflow-thread-heap';

export interface CreateSora2WorkerOptions {
  /** Default: the resolved settings' task queue (RIVYA_TASK_QUEUE), else `rivya-sora2`. */
  taskQueue?: string;
  connection?: NativeConnection;
  namespace?: string;
  plugin?: Sora2PluginOptions;
  worker?: Partial<Omit<WorkerOptions, 'connection' | 'taskQueue' | 'plugins'>>;
  /**
   * Old-space limit (MB) of the worker's workflow threads. Default: 128 MB + 1 MB per cached
   * workflow (workflow-thread-heap.ts says why); `false` keeps node's default (~4 GiB). Ignored when
   * node was started with --max-old-space-size (flags or NODE_OPTIONS).
   */
  workflowThreadHeapMb?: number | false;
}

export async function createSora2Worker(
  options: CreateSora2WorkerOptions = {},
): Promise<{ worker: Worker; connection: NativeConnection; owned: boolean; workflowThreadHeapMb: number | undefined }> {
  // Settings resolved (and typed options checked) before connecting.
  const plugin = new Sora2Plugin(options.plugin);
  let connection = options.connection;
  let namespace = options.namespace;
  const owned = !connection;
  if (!connection) {
    // envconfig is an optional peer: only a worker that connects from TEMPORAL_* settings needs it.
    const { loadClientConnectConfig } = requireOptional<typeof import('@temporalio/envconfig')>(
      '@temporalio/envconfig',
      'createSora2Worker without a connection (TEMPORAL_* settings)',
    );
    const config = loadClientConnectConfig();
    connection = await connectToTemporal(config.connectionOptions);
    namespace ??= config.namespace;
  }
  const ownWorkflowCode = options.worker?.workflowsPath !== undefined || options.worker?.workflowBundle !== undefined;
  // A tracing plugin needs OpenTelemetry's workflow interceptors inside the bundle: the traced one.
  // The prebuilt bundle only when it was built with the installed @temporalio/workflow (else: bundle at start).
  const prebuilt = ownWorkflowCode ? undefined : prebuiltWorkflowBundle(plugin.tracing);
  const cachedWorkflows = options.worker?.maxCachedWorkflows ?? plugin.settings.maxCachedWorkflows;
  const { value: worker, appliedMb } = await withWorkflowThreadHeap(
    options.workflowThreadHeapMb ?? workflowThreadHeapMb(cachedWorkflows),
    () =>
      Worker.create({
        ...(prebuilt ? { workflowBundle: prebuilt } : { workflowsPath: require.resolve('./workflows') }),
        ...options.worker,
        connection,
        namespace: namespace ?? 'default',
        taskQueue: options.taskQueue ?? plugin.settings.taskQueue ?? DEFAULT_SORA2_TASK_QUEUE,
        plugins: [plugin],
      }),
  );
  return { worker, connection, owned, workflowThreadHeapMb: appliedMb };
}
