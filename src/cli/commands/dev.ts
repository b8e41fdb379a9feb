/**
 * `rivya-sora2 dev` (and `npm start`): the all-in-one local run. An embedded Temporal dev server
 * with its UI, the Rivya simulator, a worker, and a first generation with the sample reference —
 * each embedded part replaced by the real one when TEMPORAL_ADDRESS / RIVYA_BASE_URL are set.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { startSora2Generation } from '../../client-helpers';
import { assetPath } from '../../package-root';
import { startRivyaSimulator, DEFAULT_SIMULATOR_API_KEY } from '../../simulator';
import { ensureTemporalCli } from '../../temporal-cli';
import { startDevServer } from '../../temporal-cli/dev-server';
import { createSora2Worker } from '../../worker/create-worker';
import { displayUrl, readRivyaSettings } from '../../worker-settings';
import { formatFailure } from '../failure-report';
import { generationFailureOf } from '../../generation-failure';
import { printable } from '../printable';
import { quietSdkLogs } from '../quiet-logs';
import { waitWithProgress } from '../wait';

export interface DevOptions {
  port: string;
  uiPort: string;
  dbFile?: string;
  prompt: string;
  referenceDir?: string;
  reference?: string;
  once?: boolean;
}

type Cleanup = () => Promise<unknown>;

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function startTemporal(options: DevOptions, cleanups: Cleanup[]): Promise<{ client: Client; worker: NativeConnection; address: string }> {
  if (process.env.TEMPORAL_ADDRESS) {
    const config = loadClientConnectConfig();
    const worker = await NativeConnection.connect(config.connectionOptions);
    const connection = await Connection.connect(config.connectionOptions);
    cleanups.push(() => connection.close(), () => worker.close());
    console.log(`Temporal: ${process.env.TEMPORAL_ADDRESS} (from TEMPORAL_ADDRESS)`);
    return { client: new Client({ connection, namespace: config.namespace ?? 'default' }), worker, address: process.env.TEMPORAL_ADDRESS };
  }
  const executable = await ensureTemporalCli({ log: (line) => console.log(line) });
  const wantedPort = Number(options.port);
  const wantedUiPort = Number(options.uiPort);
  // Fall back to free ports rather than failing when another dev server holds the usual ones.
  // Port 0 (or a taken one) lets the dev server pick; the UI then sits at port + 1000.
  const port = wantedPort > 0 && (await portIsFree(wantedPort)) ? wantedPort : undefined;
  const uiPort = port !== undefined && wantedUiPort > 0 && (await portIsFree(wantedUiPort)) ? wantedUiPort : undefined;
  const env = await startDevServer({ executable, ip: '127.0.0.1', port, ui: true, uiPort, dbFilename: options.dbFile });
  cleanups.push(() => env.teardown());
  const shownUiPort = uiPort ?? Number(env.address.split(':').pop()) + 1000;
  console.log(`Temporal dev server: ${env.address}   UI: http://127.0.0.1:${shownUiPort}`);
  return { client: env.client, worker: env.nativeConnection, address: env.address };
}

async function startRivya(cleanups: Cleanup[]): Promise<{ baseUrl: string; apiKey: string; simulated: boolean }> {
  if (process.env.RIVYA_BASE_URL) {
    const settings = readRivyaSettings(process.env);
    console.log(`Rivya API: ${displayUrl(settings.RIVYA_BASE_URL)} (from RIVYA_BASE_URL)`);
    return { baseUrl: settings.RIVYA_BASE_URL, apiKey: settings.RIVYA_API_KEY, simulated: false };
  }
  const simulator = await startRivyaSimulator({
    port: 0,
    // A few seconds per task: long enough to watch it move through the phases in the UI.
    timing: { queuedMs: [1_000, 2_000], processingMs: { default: [4_000, 8_000] } },
  });
  cleanups.push(() => simulator.close());
  console.log(`Rivya simulator: ${simulator.url}   (stats: ${simulator.url}/_simulator/stats)`);
  console.log(`  simulator admin token: ${simulator.adminToken}   (Authorization: Bearer <token> on /_simulator/*)`);
  return { baseUrl: simulator.url, apiKey: DEFAULT_SIMULATOR_API_KEY, simulated: true };
}

export async function runDev(options: DevOptions): Promise<number> {
  const cleanups: Cleanup[] = [];
  const shutdown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const temporal = await startTemporal(options, cleanups);
    const rivya = await startRivya(cleanups);
    let referenceDir = options.referenceDir;
    let reference = options.reference;
    if (!referenceDir) {
      referenceDir = mkdtempSync(join(tmpdir(), 'rivya-dev-refs-'));
      copyFileSync(assetPath('sample-reference.png'), join(referenceDir, 'sample-reference.png'));
      reference ??= 'sample-reference.png';
    }
    const { worker } = await createSora2Worker({
      connection: temporal.worker,
      plugin: { apiKey: rivya.apiKey, baseUrl: rivya.baseUrl, referenceDirectory: referenceDir },
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    console.log(`Worker: task queue "${worker.options.taskQueue}", references read from ${referenceDir}`);

    const workflowId = `dev-${randomUUID()}`;
    const handle = await startSora2Generation(
      temporal.client,
      {
        prompt: options.prompt,
        ...(reference ? { reference: { path: reference } } : {}),
        ...(rivya.simulated ? { polling: { expectedDurationMs: 6_000 } } : {}),
        metadata: { startedBy: 'rivya-sora2 dev' },
      },
      { workflowId, taskQueue: worker.options.taskQueue },
    );
    console.log(`First generation: ${workflowId}`);
    let exitCode = 0;
    try {
      const result = await waitWithProgress(handle, true);
      // Server-provided text: printed without terminal control sequences.
      console.log(`Video: ${printable(result.videoUrl)}`);
      console.log(`  task ${printable(result.taskId)}, ${result.credits.final} credits, ${result.polls} status checks, ${(result.timings.totalMs / 1000).toFixed(1)}s`);
    } catch (err) {
      const report = generationFailureOf(err);
      if (!report) throw err;
      for (const line of formatFailure(report)) console.error(line);
      exitCode = 1;
    }
    if (!options.once) {
      console.log(`Still running. More generations: TEMPORAL_ADDRESS=${temporal.address} npx rivya-sora2 generate --prompt "..." --wait`);
      console.log('Ctrl-C stops everything.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return exitCode;
  } finally {
    await shutdown();
  }
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('all-in-one local run: Temporal dev server + UI, Rivya simulator, worker, and a first generation')
    .option('--port <port>', 'Temporal dev server port (a free one is picked if taken)', '7233')
    .option('--ui-port <port>', 'Temporal UI port', '8233')
    .option('--db-file <path>', 'persist the dev server in this SQLite file')
    .option('--prompt <text>', 'prompt of the first generation', 'A paper boat drifting down a rain-soaked street, cinematic, golden hour')
    .option('--reference-dir <dir>', 'directory the worker may read references from (default: a temp dir with the sample image)')
    .option('--reference <path>', 'reference image of the first generation, relative to --reference-dir')
    .option('--once', 'stop after the first generation instead of staying up')
    .action(async (options: DevOptions) => {
      quietSdkLogs();
      process.exitCode = await runDev(options);
    });
}
