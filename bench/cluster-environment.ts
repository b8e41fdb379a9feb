/**
 * The stack a server-comparison scaling level runs on, one per level: either the dev server the
 * rest of the bench uses (`startDevServer`: one process, SQLite) or the production shape started
 * through `src/cluster` (PostgreSQL + Temporal server 1.29.1 with SQL visibility, in a temporary
 * data directory, torn down and deleted after). Either way the Rivya simulator runs in this process
 * (so its counters are read directly), the plugin's own webhook receiver (`startWebhookReceiver`,
 * routing by the RivyaTaskId search attribute) is registered with it as a D8 endpoint, and 1–3
 * bench workers (bench/bench-worker.ts) run as their own processes, so their CPU and memory are
 * measured apart from the server's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { clusterDown, clusterUp } from '../tools/cluster';
import { RivyaClient } from '../src/rivya';
import { startRivyaSimulator, DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator, type StartSimulatorOptions } from '../simulator/index';
import { ensureTemporalCli } from '../tools/temporal-cli';
import { startDevServer } from '../tools/temporal-cli/dev-server';
import { spawnWorkerProcess, type WorkerProcess } from '../tools/testing/worker-process';
import { startWebhookReceiver, type RunningWebhookReceiver } from '../src/webhooks';
import { findProcess } from './process-sampler';

export type BenchServer = 'dev' | 'cluster';

/** A worker process of a level (kill: SIGKILL by default; SIGTERM drains, then SIGKILL after 20 s). */
export type LevelWorker = WorkerProcess;

export interface ServerBenchEnvironment {
  server: BenchServer;
  address: string;
  client: Client;
  simulator: RivyaSimulator;
  workers: LevelWorker[];
  taskQueue: string;
  /** The Temporal server process (the dev server, or the cluster's temporal-server). */
  serverPid: number | undefined;
  /** The PostgreSQL postmaster (its backends are its children); cluster only. */
  postgresPid?: number;
  /** The plugin's receiver, registered with the simulator (when `webhooks`). */
  receiver?: RunningWebhookReceiver;
  close(): Promise<void>;
}

export interface ServerBenchOptions {
  server: BenchServer;
  workers: number;
  simulator: StartSimulatorOptions;
  workerEnv?: Record<string, string>;
  /** Start the plugin's webhook receiver and register it with the simulator. */
  webhooks?: boolean;
  log: (line: string) => void;
}

const WORKER_START_TIMEOUT_MS = 120_000;

/** bench/bench-worker.js as a child process; resolves once it polls its task queue. */
function spawnLevelWorker(
  address: string,
  taskQueue: string,
  rivyaBaseUrl: string,
  extraEnv: Record<string, string>,
): Promise<LevelWorker> {
  return spawnWorkerProcess({
    script: join(__dirname, 'bench-worker.js'),
    temporalAddress: address,
    taskQueue,
    rivyaBaseUrl,
    apiKey: DEFAULT_SIMULATOR_API_KEY,
    extraEnv,
    // Several workers starting at once on 2 busy cores.
    startTimeoutMs: WORKER_START_TIMEOUT_MS,
  });
}

/** The plugin's receiver, registered with the simulator as a D8 endpoint (the wiring of test/integration/webhook-end-to-end.test.ts). */
async function registerReceiver(client: Client, simulator: RivyaSimulator): Promise<RunningWebhookReceiver> {
  // The signing secret exists only once the endpoint is registered: register with a placeholder
  // receiver's URL, then restart the receiver with the real secret on the same port.
  const placeholder = await startWebhookReceiver({ client, secrets: ['whsec_' + Buffer.alloc(24, 1).toString('base64')], log: false });
  const port = placeholder.port;
  simulator.configure({ webhooks: { allowLoopbackUrls: true } });
  const created = await new RivyaClient({ apiKey: DEFAULT_SIMULATOR_API_KEY, baseUrl: simulator.url }).webhooks.create({
    name: 'bench',
    url: placeholder.url,
    event_types: ['generation.succeeded', 'generation.failed'],
  });
  await placeholder.close();
  // Held only here, never printed or written to the results.
  return startWebhookReceiver({ client, secrets: [created.signing_secret], port, log: false });
}

export async function startServerBenchEnvironment(options: ServerBenchOptions): Promise<ServerBenchEnvironment> {
  const taskQueue = 'bench-scale';
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        options.log(`teardown: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  try {
    let address: string;
    let client: Client;
    let serverPid: number | undefined;
    let postgresPid: number | undefined;
    if (options.server === 'dev') {
      const executable = await ensureTemporalCli({ allowSdkDownload: true, log: options.log });
      const env = await startDevServer({ executable });
      closers.push(() => env.teardown());
      address = env.address;
      client = env.client;
      serverPid = findProcess(['start-dev', `--port ${new URL(`http://${address}`).port}`]);
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'rivya-bench-cluster-'));
      closers.push(async () => rmSync(dir, { recursive: true, force: true }));
      closers.push(async () => void (await clusterDown(dir, () => undefined)));
      const state = await clusterUp({ dir, port: 0, ui: false, workers: 0, log: (line) => options.log(`cluster: ${line}`) });
      address = state.temporalAddress!;
      serverPid = state.processes.find((p) => p.name === 'temporal-server')?.pid;
      postgresPid = state.processes.find((p) => p.name === 'postgres')?.pid;
      const connection = await Connection.connect({ address });
      closers.push(() => connection.close());
      client = new Client({ connection, namespace: state.namespace ?? 'default' });
    }
    const simulator = await startRivyaSimulator({ port: 0, initialCredits: 1e9, ...options.simulator });
    closers.push(() => simulator.close());
    let receiver: RunningWebhookReceiver | undefined;
    if (options.webhooks) {
      receiver = await registerReceiver(client, simulator);
      const running = receiver;
      closers.push(() => running.close());
    }
    const workers = await Promise.all(
      Array.from({ length: options.workers }, () => spawnLevelWorker(address, taskQueue, simulator.url, options.workerEnv ?? {})),
    );
    closers.push(async () => void (await Promise.all(workers.map((w) => w.kill('SIGTERM')))));
    return { server: options.server, address, client, simulator, workers, taskQueue, serverPid, postgresPid, receiver, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
