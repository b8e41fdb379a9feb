/**
 * `rivya-sora2 dev` (and `npm start`): the all-in-one local run. An embedded Temporal dev server
 * with its UI, the Rivya simulator, a worker, and a first generation with the sample reference —
 * each embedded part replaced by the real one when TEMPORAL_ADDRESS / RIVYA_BASE_URL are set.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '../envconfig';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { startSora2Generation, type Sora2WorkflowHandle } from '../../../src/client/helpers';
import { bindAddressOf, metricsSettingsFromEnv, prometheusTelemetry } from '../../../src/observability/prometheus';
import { loadTracing } from '../../../src/observability/load-tracing';
import type { RivyaTracing } from '../../../src/observability/tracing';
import { tracingSettingsFromEnv } from '../../../src/observability/tracing-settings';
import { webhookOutcomeCounter } from '../../../src/observability/webhook-metrics';
import { CODEC_SERVER_ORIGINS_ENV, encryptionDataConverter, parseOrigins } from '../../../src/codec';
import { devUiOrigins, prepareDevEncryption, startDevCodecServer, type DevEncryption } from '../../../src/codec/dev';
import { assetPath } from '../../../src/internal/package-root';
import { freePorts, portIsFree } from '../../../src/internal/net/ports';
import { startRivyaSimulator, DEFAULT_SIMULATOR_API_KEY, type RivyaSimulator } from '../../../simulator/index';
import { ensureTemporalCli } from '../../temporal-cli';
import { startLoggedDevServer } from '../../temporal-cli/dev-server';
import type { ReferenceUrlPolicy } from '../../../activities';
import { inspectImageBytes } from '../../../activities/reference/inspect-image';
import { MAX_REFERENCE_BYTES } from '../../../src/contract/models';
import { createSora2Worker } from '../../../src/worker/create-worker';
import { displayUrl, readRivyaSettings, Sora2ConfigError } from '../../../src/worker/settings';
import { ExitCodes } from '../exit-codes';
import { formatFailure } from '../failure-report';
import { generationFailureOf } from '../../../src/client/generation-failure';
import { printable } from '../printable';
import { startDevWebhooks } from './dev-webhooks';
import { RunLog, sdkLogsToFile } from '../quiet-logs';
import { waitWithProgress } from '../wait';

/** The local run's own directory, under the current directory: references and the log file. */
export const DEV_DIRECTORY = '.rivya-dev';
export const DEV_LOG_FILE = 'dev.log';
export const DEV_REFERENCES = 'references';
export const SAMPLE_REFERENCE = 'sample-reference.png';

/** The simulator's timing in the local run: a few seconds per task, enough to watch the phases move. */
export const DEV_SIMULATOR_TIMING = { queuedMs: [1_000, 2_000], processingMs: { default: [4_000, 8_000] } } satisfies {
  queuedMs: [number, number];
  processingMs: Record<string, [number, number]>;
};

/**
 * What the polling schedule should expect of a task on that simulator: the middle of its range,
 * in whole seconds (so the same number fits `generate --expected-duration`). 8 s for 1–2 s queued
 * plus 4–8 s processing: the schedule then checks around 4 s and every 4.5 s after, not after a minute.
 */
export const DEV_EXPECTED_DURATION_S = Math.ceil(
  (DEV_SIMULATOR_TIMING.queuedMs[0] +
    DEV_SIMULATOR_TIMING.queuedMs[1] +
    DEV_SIMULATOR_TIMING.processingMs.default[0] +
    DEV_SIMULATOR_TIMING.processingMs.default[1]) /
    2 /
    1000,
);

/** A mistake in the command line, told before anything starts. */
export class DevUsageError extends Sora2ConfigError {
  override readonly name = 'DevUsageError';
}

export interface DevOptions {
  port: string;
  uiPort: string;
  /** The dev server's HTTP API port (plain-HTTP callers: /api/v1/namespaces/default/workflows/...). */
  httpPort?: string;
  dbFile?: string;
  prompt: string;
  referenceDir?: string;
  reference?: string;
  once?: boolean;
  /** Directory saves (`generate --save-to <dir>`) are written below this; default: the directory dev runs in. */
  saveDir?: string;
  /** commander's `--no-webhooks`: false turns webhooks off (polling only). */
  webhooks?: boolean;
  /** Serve Prometheus metrics on this port (else RIVYA_METRICS_PORT, else none). */
  metricsPort?: string;
  /** Export traces over OTLP (else RIVYA_TRACING=otlp, else off). */
  tracing?: boolean;
  /** Encrypt every payload; the UI decodes through a local codec server on `codecPort`. */
  encrypt?: boolean;
  codecPort?: string;
  /** The simulator's starting wallet (credits), to try a small or empty one. */
  credits?: string;
}

type Cleanup = () => Promise<unknown>;

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The reference directory of the local run: --reference-dir, else ./.rivya-dev/references (made,
 * with the sample image copied in). The same directory every run, so a newcomer can put images there.
 */
export function prepareReferenceDirectory(devDirectory: string, given: string | undefined): string {
  if (given !== undefined) {
    const directory = resolve(given);
    if (!existsSync(directory) || !statSync(directory).isDirectory()) {
      throw new DevUsageError(
        `--reference-dir ${given}: no such directory (create it, or leave the option out to use ${join(devDirectory, DEV_REFERENCES)})`,
      );
    }
    return directory;
  }
  const directory = join(devDirectory, DEV_REFERENCES);
  mkdirSync(directory, { recursive: true });
  const sample = join(directory, SAMPLE_REFERENCE);
  if (!existsSync(sample)) copyFileSync(assetPath(SAMPLE_REFERENCE), sample);
  return directory;
}

/** The worker's save root: --save-dir (which must exist), else the directory dev runs in. */
export function prepareSaveDirectory(given: string | undefined): string {
  const directory = resolve(given ?? '.');
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new DevUsageError(`--save-dir ${given}: no such directory`);
  }
  return directory;
}

/**
 * The URL guard of the local run with the simulator: its media (http on loopback) is let through by
 * its host name; every other URL keeps the guard's rules for private addresses.
 */
export function simulatorMediaPolicy(simulatorUrl: string): ReferenceUrlPolicy {
  return { allowHttp: true, allowedHosts: [new URL(simulatorUrl).hostname] };
}

/**
 * The check the upload activity makes (size, signature, structure), made before anything starts and
 * before anything is copied: `--reference README.md` is refused here, not copied into the references.
 */
export function checkReferenceImage(path: string, given: string): void {
  const size = statSync(path).size;
  if (size > MAX_REFERENCE_BYTES) throw new DevUsageError(`--reference ${given}: over the ${MAX_REFERENCE_BYTES}-byte limit`);
  try {
    inspectImageBytes(readFileSync(path), `--reference ${given}`);
  } catch (err) {
    throw new DevUsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The first generation's reference, as a path relative to the reference directory. A file that is
 * not in the directory but exists where the user is (`--reference assets/sample-reference.png`,
 * `--reference ~/cat.png`) is copied in, and the copy is used. Anything else is refused before
 * anything starts, naming the directory.
 */
export function prepareReference(referenceDirectory: string, given: string | undefined, log: (line: string) => void): string | undefined {
  if (given === undefined) return existsSync(join(referenceDirectory, SAMPLE_REFERENCE)) ? SAMPLE_REFERENCE : undefined;
  if (/^[a-z]+:\/\//i.test(given))
    throw new DevUsageError(`--reference ${given}: dev takes a local image; give generate an https URL instead`);
  const inside = resolve(referenceDirectory, given);
  if (isInside(referenceDirectory, inside) && isFile(inside)) {
    checkReferenceImage(inside, given);
    return relative(referenceDirectory, inside);
  }
  const elsewhere = resolve(given);
  if (isFile(elsewhere)) {
    checkReferenceImage(elsewhere, given);
    const copy = join(referenceDirectory, basename(elsewhere));
    if (resolve(copy) !== elsewhere) copyFileSync(elsewhere, copy);
    log(`Reference: copied ${given} to ${copy} (the worker reads references only from ${referenceDirectory})`);
    return basename(elsewhere);
  }
  throw new DevUsageError(
    `--reference ${given}: no such file in the reference directory ${referenceDirectory} (nor in the current directory); ` +
      `put the image in ${referenceDirectory} and pass its name, e.g. --reference ${SAMPLE_REFERENCE}`,
  );
}

/** A wanted port (from a flag) when it is given, free and not already taken by this run; else undefined. */
async function usableWanted(wanted: number, taken: readonly number[]): Promise<number | undefined> {
  return wanted > 0 && !taken.includes(wanted) && (await portIsFree(wanted)) ? wanted : undefined;
}

/** The HTTP API port `dev` asks for unless told otherwise (the Temporal server's own default httpPort). */
export const DEFAULT_DEV_HTTP_PORT = '7243';

/**
 * The dev server's gRPC, UI and HTTP API ports: the wanted ones when free, else free ones picked
 * together (never each other, nor the codec port), rather than failing when another dev server
 * holds the usual ones.
 */
export async function pickDevPorts(
  options: Pick<DevOptions, 'port' | 'uiPort' | 'httpPort'>,
  taken: readonly number[] = [],
): Promise<{ port: number; uiPort: number; httpPort: number }> {
  const port = await usableWanted(Number(options.port), taken);
  const uiPort = await usableWanted(Number(options.uiPort), [...taken, ...(port !== undefined ? [port] : [])]);
  const httpPort = await usableWanted(Number(options.httpPort ?? DEFAULT_DEV_HTTP_PORT), [
    ...taken,
    ...[port, uiPort].filter((p): p is number => p !== undefined),
  ]);
  const fixed = [...taken, ...[port, uiPort, httpPort].filter((p): p is number => p !== undefined)];
  const missing = [port, uiPort, httpPort].filter((p) => p === undefined).length;
  const picked = await freePorts(missing, { exclude: fixed });
  return { port: port ?? picked.shift()!, uiPort: uiPort ?? picked.shift()!, httpPort: httpPort ?? picked.shift()! };
}

/**
 * A wanted port that was busy, said aloud: a newcomer whose other dev server holds 7233 would
 * otherwise point TEMPORAL_ADDRESS at the wrong one. Port 0 (any) is never "busy".
 */
export function portNotices(
  options: Pick<DevOptions, 'port' | 'uiPort' | 'httpPort'>,
  picked: { port: number; uiPort: number; httpPort?: number },
): string[] {
  const notices: string[] = [];
  const wanted = Number(options.port);
  if (wanted > 0 && picked.port !== wanted)
    notices.push(`  port ${wanted} is busy (another Temporal server?): this one listens on ${picked.port}`);
  const wantedUi = Number(options.uiPort);
  if (wantedUi > 0 && picked.uiPort !== wantedUi) notices.push(`  UI port ${wantedUi} is busy: the UI is on ${picked.uiPort}`);
  const wantedHttp = Number(options.httpPort ?? DEFAULT_DEV_HTTP_PORT);
  if (picked.httpPort !== undefined && wantedHttp > 0 && picked.httpPort !== wantedHttp)
    notices.push(`  HTTP API port ${wantedHttp} is busy: the HTTP API is on ${picked.httpPort}`);
  return notices;
}

/** Where the dev server keeps its runs: in memory unless --db-file, and what that means at Ctrl-C. */
export function persistenceNotice(dbFile: string | undefined): string {
  return dbFile
    ? `  runs kept in ${resolve(dbFile)} (--db-file): the next dev with the same file has them back`
    : `  in memory: every run and its history is lost at Ctrl-C; keep them with --db-file ${join(DEV_DIRECTORY, 'temporal.db')}`;
}

/** --credits: the simulator's starting wallet, a whole number of credits. */
export function creditsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new DevUsageError(`--credits ${value}: must be a whole number of credits (0 for an empty wallet)`);
  if (process.env.RIVYA_BASE_URL)
    throw new DevUsageError("--credits sets the simulator's wallet: leave RIVYA_BASE_URL unset to use the simulator");
  return Number(value);
}

async function startTemporal(
  options: DevOptions,
  log: RunLog,
  cleanups: Cleanup[],
  encryption?: DevEncryption,
): Promise<{ client: Client; worker: NativeConnection; address: string; uiPort?: number }> {
  if (process.env.TEMPORAL_ADDRESS) return connectToTemporal(cleanups, process.env.TEMPORAL_ADDRESS);
  const executable = await ensureTemporalCli({ log: (line) => console.log(line) });
  const { port, uiPort, httpPort } = await pickDevPorts(options, encryption ? [encryption.port] : []);
  // The server's banner, warnings and shutdown lines go to the run's log, not the terminal.
  const env = await startLoggedDevServer({
    executable,
    ip: '127.0.0.1',
    port,
    ui: true,
    uiPort,
    httpPort,
    dbFilename: options.dbFile,
    uiCodecEndpoint: encryption?.uiEndpoint,
    output: log.sink('[temporal] '),
  });
  cleanups.push(() => env.teardown());
  console.log(`Temporal dev server: ${env.address}   UI: http://127.0.0.1:${uiPort}   HTTP API: http://127.0.0.1:${httpPort}`);
  for (const notice of portNotices(options, { port, uiPort, httpPort })) console.log(notice);
  console.log(persistenceNotice(options.dbFile));
  return { client: env.client, worker: env.nativeConnection, address: env.address, uiPort };
}

/** The Temporal of TEMPORAL_ADDRESS (and the rest of its environment configuration) instead of a dev server. */
async function connectToTemporal(
  cleanups: Cleanup[],
  address: string,
): Promise<{ client: Client; worker: NativeConnection; address: string }> {
  const config = loadClientConnectConfig();
  const worker = await NativeConnection.connect(config.connectionOptions);
  const connection = await Connection.connect(config.connectionOptions);
  cleanups.push(
    () => connection.close(),
    () => worker.close(),
  );
  console.log(`Temporal: ${address} (from TEMPORAL_ADDRESS)`);
  return { client: new Client({ connection, namespace: config.namespace ?? 'default' }), worker, address };
}

/**
 * A second simulated account with its own key and wallet, mapped by the dev worker to the name
 * below: `generate --account second` is charged to it (see docs/operating.md, which account pays).
 */
export const DEV_SECOND_ACCOUNT = 'second';
const DEV_SECOND_ACCOUNT_KEY = 'rvya_sk_simulator_second_account_local_only';

async function startRivya(
  cleanups: Cleanup[],
  credits: number | undefined,
): Promise<{ baseUrl: string; apiKey: string; simulator: RivyaSimulator | null }> {
  if (process.env.RIVYA_BASE_URL) {
    const settings = readRivyaSettings(process.env);
    console.log(`Rivya API: ${displayUrl(settings.RIVYA_BASE_URL)} (from RIVYA_BASE_URL)`);
    return { baseUrl: settings.RIVYA_BASE_URL, apiKey: settings.RIVYA_API_KEY, simulator: null };
  }
  const simulator = await startRivyaSimulator({
    port: 0,
    apiKeys: [
      { key: DEFAULT_SIMULATOR_API_KEY, account: 'acct_local' },
      { key: DEV_SECOND_ACCOUNT_KEY, account: 'acct_second' },
    ],
    timing: DEV_SIMULATOR_TIMING,
    ...(credits !== undefined ? { initialCredits: credits } : {}),
  });
  cleanups.push(() => simulator.close());
  console.log(`Rivya simulator: ${simulator.url}   (stats: ${simulator.url}/_simulator/stats)`);
  // The key is the simulator's fixed, local-only one: printed for users who wire their own worker.
  console.log(
    `  simulator API key: ${DEFAULT_SIMULATOR_API_KEY}   (RIVYA_API_KEY for a worker of your own, with RIVYA_BASE_URL=${simulator.url})`,
  );
  console.log(`  simulator admin token: ${simulator.adminToken}   (Authorization: Bearer <token> on /_simulator/*)`);
  console.log(`  a second simulated account with its own wallet: generate --account ${DEV_SECOND_ACCOUNT}`);
  if (credits !== undefined) console.log(`  simulated wallet: ${credits} credits (--credits)`);
  console.log(
    `  simulated tasks take ${DEV_SIMULATOR_TIMING.queuedMs[0] / 1000}–${(DEV_SIMULATOR_TIMING.queuedMs[1] + DEV_SIMULATOR_TIMING.processingMs.default[1]) / 1000} s; generations here expect ${DEV_EXPECTED_DURATION_S} s`,
  );
  return { baseUrl: simulator.url, apiKey: DEFAULT_SIMULATOR_API_KEY, simulator };
}

/**
 * Webhooks in the local run: on with the simulator (a receiver on loopback, registered as an
 * endpoint); off with a real Rivya, which delivers only to a public https URL this run can't offer.
 */
async function startWebhooks(
  options: DevOptions,
  temporal: Client,
  rivya: { apiKey: string; simulator: RivyaSimulator | null },
  log: RunLog,
  cleanups: Cleanup[],
): Promise<boolean> {
  if (options.webhooks === false) {
    console.log('Webhooks: off (--no-webhooks): generations complete by status checks');
    return false;
  }
  if (!rivya.simulator) {
    console.log('Webhooks: off with a real Rivya (it delivers only to public https URLs): see docs/webhooks.md (production setup)');
    return false;
  }
  const webhooks = await startDevWebhooks({
    temporal,
    simulator: rivya.simulator,
    apiKey: rivya.apiKey,
    otherApiKeys: [DEV_SECOND_ACCOUNT_KEY],
    log: (line) => log.write(`[webhooks] ${line}\n`),
    // Deliveries by outcome on the run's metrics endpoint (a no-op meter without --metrics-port).
    onOutcome: webhookOutcomeCounter(Runtime.instance().metricMeter),
  });
  cleanups.push(() => webhooks.receiver.close());
  console.log(`Webhooks: receiver ${webhooks.receiver.url}, registered as ${webhooks.endpointId}; status checks are the safety net`);
  return true;
}

/**
 * The codec server of an encrypted run, on the port reserved before the dev server started (whose
 * UI was given the endpoint). An external Temporal's UI is not ours: its origin comes from
 * RIVYA_CODEC_SERVER_ORIGINS, and its operator sets the endpoint.
 */
async function startEncryption(encryption: DevEncryption, uiPort: number | undefined, cleanups: Cleanup[]): Promise<void> {
  const origins = uiPort !== undefined ? devUiOrigins(uiPort) : parseOrigins(process.env[CODEC_SERVER_ORIGINS_ENV]);
  const codec = await startDevCodecServer(encryption, origins);
  cleanups.push(() => codec.close());
  console.log(
    `Encryption: on (AES-256-GCM, key "${encryption.keyRing.encryptingKeyId}" from ${encryption.keySource}): Temporal stores no readable payload`,
  );
  console.log(
    uiPort !== undefined
      ? `  codec server: ${codec.url}   (the UI decodes through it, token included in its endpoint)`
      : `  codec server: ${codec.url}   (set the UI's codec endpoint to ${codec.url}/<token>)`,
  );
  // A token made for this run is shown once, on the terminal only (never in the log file).
  if (encryption.tokenGenerated) {
    console.log(`  codec token: ${encryption.token}   (Temporal CLI: --codec-endpoint ${codec.url} --codec-auth "Bearer <token>")`);
  }
}

/** Resolves on the first Ctrl-C / SIGTERM; a second one exits at once. */
function stopSignal(): { stopped: Promise<void>; requested: () => boolean; dispose: () => void } {
  let requested = false;
  let resolveStop!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStop = resolve));
  const onSignal = () => {
    if (requested) process.exit(ExitCodes.interrupted);
    requested = true;
    console.log('Stopping (Ctrl-C again to force)...');
    resolveStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    requested: () => requested,
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** What the command line asks for, checked before anything starts: a mistake costs no server start. */
interface DevPlan {
  devDirectory: string;
  referenceDir: string;
  reference?: string;
  saveDir: string;
  credits?: number;
  metrics: ReturnType<typeof metricsSettingsFromEnv>;
  tracingSettings: ReturnType<typeof tracingSettingsFromEnv>;
}

function checkOptions(options: DevOptions): DevPlan {
  const devDirectory = resolve(DEV_DIRECTORY);
  mkdirSync(devDirectory, { recursive: true });
  const referenceDir = prepareReferenceDirectory(devDirectory, options.referenceDir);
  const reference = prepareReference(referenceDir, options.reference, (line) => console.log(line));
  const saveDir = prepareSaveDirectory(options.saveDir);
  const credits = creditsOption(options.credits);
  const metrics = metricsSettingsFromEnv(process.env, options.metricsPort);
  const tracingSettings = tracingSettingsFromEnv(process.env, options.tracing === true);
  return {
    devDirectory,
    referenceDir,
    ...(reference ? { reference } : {}),
    saveDir,
    ...(credits !== undefined ? { credits } : {}),
    metrics,
    tracingSettings,
  };
}

/** The run's log file, which the SDK's logs (and the servers' output) go to instead of the terminal. */
function openRunLog(plan: DevPlan): RunLog {
  const log = new RunLog(join(plan.devDirectory, DEV_LOG_FILE));
  sdkLogsToFile(log, plan.metrics ? { telemetryOptions: prometheusTelemetry(plan.metrics) } : {});
  console.log(`Log: ${log.path}   (worker and Temporal server details; the terminal shows progress)`);
  console.log(`References: ${plan.referenceDir}   (put your images here, then --reference <file name>)`);
  return log;
}

/** Tracing when asked (--tracing, RIVYA_TRACING); the metrics endpoint is served by the worker's runtime. */
function startTracingIfAsked(plan: DevPlan, cleanups: Cleanup[]): RivyaTracing | undefined {
  let tracing: RivyaTracing | undefined;
  if (plan.tracingSettings) {
    const started = (tracing = loadTracing('dev --tracing').startTracing(plan.tracingSettings));
    cleanups.push(() => started.shutdown()); // first in, last out: after the worker's last spans
    console.log(`Tracing: spans to ${displayUrl(started.url)} (OTLP/HTTP, service ${plan.tracingSettings.serviceName})`);
  }
  if (plan.metrics) console.log(`Prometheus metrics: http://${bindAddressOf(plan.metrics)}/metrics`);
  return tracing;
}

/** Every client of an encrypted run encrypts too: the first generation's input, the webhook receiver's signals. */
function runClient(client: Client, encryption: DevEncryption | undefined): Client {
  if (!encryption) return client;
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: encryptionDataConverter(encryption.keyRing),
  });
}

async function startWorker(
  plan: DevPlan,
  connection: NativeConnection,
  rivya: { apiKey: string; baseUrl: string; simulator: RivyaSimulator | null },
  extras: { webhooks: boolean; encryption?: DevEncryption; tracing?: RivyaTracing },
  cleanups: Cleanup[],
): Promise<{ taskQueue: string }> {
  const { worker } = await createSora2Worker({
    connection,
    plugin: {
      apiKey: rivya.apiKey,
      baseUrl: rivya.baseUrl,
      // The simulator's second account; RIVYA_ACCOUNTS adds more (with a real Rivya, only those).
      ...(rivya.simulator ? { accounts: { [DEV_SECOND_ACCOUNT]: DEV_SECOND_ACCOUNT_KEY } } : {}),
      referenceDirectory: plan.referenceDir,
      saveDirectory: plan.saveDir,
      // The simulator serves videos over http on loopback: its host alone is let through the URL guard.
      ...(rivya.simulator ? { referenceUrlPolicy: simulatorMediaPolicy(rivya.simulator.url) } : {}),
      webhooks: extras.webhooks,
      ...(extras.encryption ? { encryption: { keys: extras.encryption.keyRing } } : {}),
      ...(extras.tracing ? { tracing: extras.tracing.pluginOptions } : {}),
    },
  });
  const running = worker.run();
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
  });
  console.log(`Worker: task queue "${worker.options.taskQueue}", references read from ${plan.referenceDir}`);
  console.log(
    `Saving: generate --save-to <dir> writes below ${plan.saveDir}; --save-to s3://bucket/prefix uses this process's AWS environment (AWS_REGION, AWS_ENDPOINT_URL_S3, credentials)`,
  );
  return { taskQueue: worker.options.taskQueue };
}

async function startFirstGeneration(
  options: DevOptions,
  plan: DevPlan,
  client: Client,
  tracing: RivyaTracing | undefined,
  withSimulator: boolean,
  taskQueue: string,
): Promise<Sora2WorkflowHandle> {
  const workflowId = `dev-${randomUUID()}`;
  const handle = await startSora2Generation(
    // Traced: the generation's trace starts at this start call.
    tracing ? loadTracing('dev --tracing').tracedClient(client, tracing) : client,
    {
      prompt: options.prompt,
      ...(plan.reference ? { reference: { path: plan.reference } } : {}),
      // The simulator's timing, so the schedule checks within seconds instead of after a minute.
      ...(withSimulator ? { polling: { expectedDurationMs: DEV_EXPECTED_DURATION_S * 1000 } } : {}),
      metadata: { startedBy: 'rivya-sora2 dev' },
    },
    { workflowId, taskQueue },
  );
  console.log(`First generation: ${workflowId}${plan.reference ? ` (reference ${plan.reference})` : ''}`);
  return handle;
}

/** Waits for the first generation and prints its video or its failure; undefined when stopped first. */
async function reportFirstGeneration(
  handle: Sora2WorkflowHandle,
  stopped: Promise<void>,
  log: RunLog,
  simulated: boolean,
): Promise<number | undefined> {
  try {
    const result = await Promise.race([waitWithProgress(handle, true), stopped.then(() => undefined)]);
    if (result === undefined) return undefined;
    // Server-provided text: printed without terminal control sequences.
    // The simulator serves one sample clip for every prompt: say so, lest it pass for a generated video.
    console.log(
      `Video: ${printable(result.videoUrl)}${simulated ? "   (the simulator's placeholder clip, the same for every prompt)" : ''}`,
    );
    console.log(
      `  task ${printable(result.taskId)}, ${result.credits.final} credits, completed by ${result.completedBy}, ${result.polls} status checks, ${(result.timings.totalMs / 1000).toFixed(1)}s`,
    );
    return ExitCodes.ok;
  } catch (err) {
    const report = generationFailureOf(err);
    if (!report) throw err;
    for (const line of formatFailure(report)) console.error(line);
    console.error(`  details: ${log.path}`);
    return ExitCodes.failed;
  }
}

function printWelcome(plan: DevPlan, address: string, withSimulator: boolean, encryption: DevEncryption | undefined): void {
  const expected = withSimulator ? ` --expected-duration ${DEV_EXPECTED_DURATION_S}` : '';
  const sample = plan.reference ? ` --reference ${plan.reference}` : '';
  console.log(
    `Still running. More generations: ${encryption?.keyFile ? `RIVYA_CODEC_KEY_FILE=${encryption.keyFile} ` : ''}TEMPORAL_ADDRESS=${address} npx rivya-sora2 generate --prompt "..."${sample}${expected} --wait`,
  );
  console.log('Ctrl-C stops everything.');
}

export async function runDev(options: DevOptions): Promise<number> {
  const plan = checkOptions(options);
  const log = openRunLog(plan);
  const cleanups: Cleanup[] = [];
  const signal = stopSignal();
  try {
    const tracing = startTracingIfAsked(plan, cleanups);
    // Keys, token and the codec port come first: the dev server's UI is started with the endpoint.
    const encryption = options.encrypt ? await prepareDevEncryption(plan.devDirectory, Number(options.codecPort)) : undefined;
    const temporal = await startTemporal(options, log, cleanups, encryption);
    if (signal.requested()) return ExitCodes.interrupted;
    if (encryption) await startEncryption(encryption, temporal.uiPort, cleanups);
    const client = runClient(temporal.client, encryption);
    const rivya = await startRivya(cleanups, plan.credits);
    if (signal.requested()) return ExitCodes.interrupted;
    const webhooks = await startWebhooks(options, client, rivya, log, cleanups);
    if (signal.requested()) return ExitCodes.interrupted;
    const worker = await startWorker(plan, temporal.worker, rivya, { webhooks, encryption, tracing }, cleanups);
    if (signal.requested()) return ExitCodes.interrupted;

    const handle = await startFirstGeneration(options, plan, client, tracing, rivya.simulator !== null, worker.taskQueue);
    const exitCode = await reportFirstGeneration(handle, signal.stopped, log, rivya.simulator !== null);
    if (exitCode === undefined) return ExitCodes.interrupted;
    if (!options.once && !signal.requested()) {
      printWelcome(plan, temporal.address, rivya.simulator !== null, encryption);
      await signal.stopped;
    }
    return exitCode;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    signal.dispose();
    await log.close();
  }
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('all-in-one local run: Temporal dev server + UI, Rivya simulator, worker, and a first generation')
    .option('--port <port>', 'Temporal dev server port (a free one is picked, and said, if taken)', '7233')
    .option('--ui-port <port>', 'Temporal UI port', '8233')
    .option(
      '--http-port <port>',
      "Temporal server's HTTP API port, for callers without a Temporal SDK (a free one is picked, and said, if taken)",
      DEFAULT_DEV_HTTP_PORT,
    )
    .option('--db-file <path>', "keep the dev server's runs in this SQLite file (default: in memory, lost at Ctrl-C)")
    .option('--prompt <text>', 'prompt of the first generation', 'A paper boat drifting down a rain-soaked street, cinematic, golden hour')
    .option(
      '--reference-dir <dir>',
      `directory the worker reads references from (default: ./${DEV_DIRECTORY}/${DEV_REFERENCES}, with the sample image)`,
    )
    .option(
      '--reference <path>',
      'reference image of the first generation: a file in the reference directory, or one elsewhere (copied in)',
    )
    .option('--once', 'stop after the first generation instead of staying up')
    .option('--save-dir <dir>', 'directory the worker saves videos below (generate --save-to <dir>); default: the current directory')
    .option('--no-webhooks', 'complete by status checks only (default with the simulator: by signed webhook, checks as the safety net)')
    .option('--metrics-port <port>', 'serve Prometheus metrics of the worker and the webhook receiver on this port (RIVYA_METRICS_PORT)')
    .option('--tracing', 'export OpenTelemetry traces over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (RIVYA_TRACING=otlp)')
    .option(
      '--encrypt',
      `encrypt every payload (AES-256-GCM; keys from RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE, else ./${DEV_DIRECTORY}/codec-keys) and serve a codec server the UI decodes through`,
    )
    .option('--credits <n>', "the simulator's starting wallet in credits, to try a small or empty one (default 100000)")
    .option('--codec-port <port>', 'codec server port with --encrypt (a free one is picked if taken)', '8234')
    .action(async (options: DevOptions) => {
      process.exitCode = await runDev(options);
    });
}
