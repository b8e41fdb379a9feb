/**
 * `rivya-sora2 cluster up|down|status`: the production shape on one machine without Docker —
 * PostgreSQL, the schema through deploy/temporal/setup-postgres.sh, the Temporal server with
 * persistence and SQL visibility on PostgreSQL, the namespace and search attributes through
 * deploy/temporal/create-namespace.sh (the scripts and dynamic config docker-compose.yml mounts),
 * the UI server, and worker processes (with the Rivya simulator when RIVYA_BASE_URL is unset).
 * Everything listens on 127.0.0.1; `down` stops what `up` started, by pid.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { DEFAULT_SORA2_TASK_QUEUE } from '../../src/client/helpers';
import { assetPath, packageRoot } from '../../src/internal/package-root';
import { DEFAULT_SIMULATOR_API_KEY } from '../../simulator/config';
import { ensureTemporalCli } from '../temporal-cli';
import { ensureClusterBinaries, type ClusterBinaries, type ProgressLog } from './binaries';
import { ClusterError, ClusterPortBusyError, isBindConflict } from './errors';
import { findPostgresBinDir, initPostgres, postgresReady, postgresRunAs, startPostgres, POSTGRES_USER } from './postgres';
import { freePorts, portIsFree } from '../../src/internal/net/ports';
import { accepts, isRunning, LOW_PORT_RANGE, spawnDetached, stopProcess, waitUntil, type StartedProcess } from './processes';
import { writePrivateFile } from './private-file';
import { renderServerConfig, renderUiConfig, type ServerPorts } from './server-config';
import { readClusterState, writeClusterState, type ClusterState } from './state';
import { TEMPORAL_SERVER_VERSION } from './versions';

export const DEFAULT_CLUSTER_PORT = 7233;
export const DEFAULT_CLUSTER_UI_PORT = 8080;
const NUM_HISTORY_SHARDS = 4;
const CONFIG_ENV = 'cluster';

export interface ClusterUpOptions {
  dir: string;
  /** Frontend gRPC port: default 7233, 0 picks a free one. A busy port is an error. */
  port?: number;
  /** UI port: default 8080, 0 picks a free one. */
  uiPort?: number;
  ui?: boolean;
  /** Worker processes to start (default 1; 0 for none). */
  workers?: number;
  namespace?: string;
  /** The simulator's config (timing etc.) when it runs, i.e. when RIVYA_BASE_URL is unset. */
  simulatorConfig?: object;
  /** Where the caller's settings come from (RIVYA_*); default process.env. */
  env?: NodeJS.ProcessEnv;
  log?: ProgressLog;
}

export interface ClusterPaths {
  dir: string;
  pgData: string;
  logs: string;
  serverRoot: string;
  uiRoot: string;
  references: string;
}

export function clusterPaths(dir: string): ClusterPaths {
  return {
    dir,
    pgData: join(dir, 'pg'),
    logs: join(dir, 'logs'),
    serverRoot: join(dir, 'temporal'),
    uiRoot: join(dir, 'ui'),
    references: join(dir, 'references'),
  };
}

/** The deploy/ files compose mounts; the cluster runs the very same ones. */
export function deployFile(...parts: string[]): string {
  return join(packageRoot(), 'deploy', 'temporal', ...parts);
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/** Output of a log file from `offset` on (what a process wrote since it was started). */
function logSince(path: string, offset: number): string {
  try {
    const size = statSync(path).size;
    if (size <= offset) return '';
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}
const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

async function runScript(script: string, env: NodeJS.ProcessEnv, log: string, timeoutMs: number): Promise<void> {
  const fd = openSync(log, 'a');
  const offset = sizeOf(log);
  try {
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn('/bin/sh', [script], { env, stdio: ['ignore', fd, fd] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (err) => resolve(err.message));
      child.on('exit', (exitCode, signal) => {
        clearTimeout(timer);
        resolve(exitCode ?? signal ?? 'unknown');
      });
    });
    if (code !== 0) {
      const output = logSince(log, offset).trimEnd().split('\n').slice(-15).join('\n');
      throw new ClusterError(`${script} failed (${code}); last lines of ${log}:\n${output}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Processes of a state that still run. */
export function runningProcesses(state: ClusterState | undefined): StartedProcess[] {
  return (state?.processes ?? []).filter((p) => isRunning(p));
}

function scriptPath(env: NodeJS.ProcessEnv, dirs: string[]): string {
  return [...dirs, env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter);
}

/** True once the frontend answers `temporal operator cluster health` with SERVING. */
async function serverHealthy(temporalCli: string, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(temporalCli, ['operator', 'cluster', 'health', '--address', address], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.on('error', () => resolve(false));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/**
 * The Temporal server of a cluster directory, started from its rendered config (also after a crash:
 * the tests SIGKILL it and call this). Resolves once the frontend reports SERVING.
 */
export async function startTemporalServer(
  dir: string,
  state: ClusterState,
  binaries: Pick<ClusterBinaries, 'server'>,
  temporalCli: string,
): Promise<StartedProcess> {
  const paths = clusterPaths(dir);
  const log = join(paths.logs, 'temporal-server.log');
  const { started, child } = spawnDetached({
    name: 'temporal-server',
    command: binaries.server,
    args: ['--root', paths.serverRoot, '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start'],
    log,
    cwd: paths.serverRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  const address = `127.0.0.1:${state.serverPorts!.frontend}`;
  await waitUntil('the Temporal server', () => serverHealthy(temporalCli, address), { child, log, timeoutMs: 60_000 });
  return started;
}

/** Replaces (or adds) a process in the state file. */
export function recordProcess(dir: string, started: StartedProcess): void {
  const state = readClusterState(dir);
  if (!state) throw new ClusterError(`no cluster state in ${dir}`);
  state.processes = [...state.processes.filter((p) => p.name !== started.name), started];
  writeClusterState(dir, state);
}

/** Everything one `up` attempt works with, passed from step to step. */
interface UpRun {
  dir: string;
  paths: ClusterPaths;
  env: NodeJS.ProcessEnv;
  log: ProgressLog;
  options: ClusterUpOptions;
  pgBin: string;
  runAs: ReturnType<typeof postgresRunAs>;
  binaries: ClusterBinaries;
  temporalCli: string;
  ports: ClusterPorts;
  state: ClusterState;
  /** Records a started process in the state file (so `down`, and a failed `up`, stop it). */
  started: (process_: StartedProcess) => void;
}

/** Every port one `up` uses: the fixed ones checked free, the others picked together. */
interface ClusterPorts {
  server: ServerPorts;
  postgres: number;
  ui?: number;
  simulator?: number;
}

/**
 * Starts the cluster. Its ports are picked free but released before the processes bind them, so
 * another program can take one in between: then `up` is tried once more, with newly picked ports.
 */
export async function clusterUp(options: ClusterUpOptions): Promise<ClusterState> {
  try {
    return await clusterUpOnce(options);
  } catch (err) {
    if (!isBindConflict(err)) throw err;
    (options.log ?? ((line: string) => console.log(line)))(
      'cluster up: a port was taken between picking it and binding it; trying once more with other ports',
    );
    return clusterUpOnce(options);
  }
}

async function clusterUpOnce(options: ClusterUpOptions): Promise<ClusterState> {
  const began = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const env = options.env ?? process.env;
  const previous = checkNotRunning(options.dir);
  // Prerequisites and fixed ports first, so a missing one or a busy port costs nothing.
  checkDeployFiles();
  const pgBin = findPostgresBinDir(env);
  const runAs = postgresRunAs();
  const ports = await pickPorts(options, env);
  const { binaries, temporalCli } = await ensureTools(log);
  const paths = makeDirectories(options.dir);
  const state = freshState(options.dir, previous);
  const started = (process_: StartedProcess) => {
    state.processes.push(process_);
    writeClusterState(options.dir, state);
  };
  const run: UpRun = { dir: options.dir, paths, env, log, options, pgBin, runAs, binaries, temporalCli, ports, state, started };
  try {
    await initDatabase(run);
    await startServer(run);
    await registerSearchAttributes(run);
    if (ports.ui !== undefined) await startUi(run, ports.ui);
    await startWorkers(run);
    printWelcome(run, began);
    return state;
  } catch (err) {
    log(`cluster up failed; stopping what it started`);
    await stopAll(run.dir, state, () => undefined);
    throw err;
  }
}

/** The state an earlier run left, after refusing to start over a cluster still running from `dir`. */
function checkNotRunning(dir: string): ClusterState | undefined {
  const previous = readClusterState(dir);
  const alive = runningProcesses(previous);
  if (alive.length > 0) {
    throw new ClusterError(
      `a cluster is already running from ${dir} (${alive.map((p) => `${p.name} pid ${p.pid}`).join(', ')}): see \`rivya-sora2 cluster status\`, or stop it with \`rivya-sora2 cluster down\``,
    );
  }
  return previous;
}

function checkDeployFiles(): void {
  const scripts = [deployFile('setup-postgres.sh'), deployFile('create-namespace.sh'), deployFile('dynamicconfig', 'development-sql.yaml')];
  const absent = scripts.filter((file) => !existsSync(file));
  if (absent.length > 0) {
    throw new ClusterError(`missing ${absent.join(', ')}: the cluster runs the deploy/ files of a checkout of this repository`);
  }
}

/** A port given on the command line: undefined for 0 (to be picked); a busy one is an error. */
async function fixedPort(wanted: number | undefined, fallback: number, what: string, flag: string): Promise<number | undefined> {
  const port = wanted ?? fallback;
  if (port === 0) return undefined;
  if (!(await portIsFree(port))) {
    throw new ClusterPortBusyError(`${what} port 127.0.0.1:${port} is in use: pass ${flag} <port>, or ${flag} 0 for a free one`);
  }
  return port;
}

/**
 * All ports of the cluster in one pick that excludes the fixed ones and each other. Neither
 * PostgreSQL nor the Temporal server can bind port 0 and report the port back, so they are chosen here.
 */
async function pickPorts(options: ClusterUpOptions, env: NodeJS.ProcessEnv): Promise<ClusterPorts> {
  const frontend = await fixedPort(options.port, DEFAULT_CLUSTER_PORT, 'the Temporal frontend', '--port');
  const wantUi = options.ui ?? true;
  const ui = wantUi ? await fixedPort(options.uiPort, DEFAULT_CLUSTER_UI_PORT, 'the UI', '--ui-port') : undefined;
  const wantSimulator = (options.workers ?? 1) > 0 && !env.RIVYA_BASE_URL;
  const fixed = [frontend, ui].filter((port): port is number => port !== undefined);
  const count = 9 + (frontend === undefined ? 1 : 0) + (wantUi && ui === undefined ? 1 : 0) + (wantSimulator ? 1 : 0);
  const picked = await freePorts(count, { range: LOW_PORT_RANGE, exclude: fixed });
  const next = () => picked.shift()!;
  const server: ServerPorts = {
    frontend: frontend ?? next(),
    frontendHttp: next(),
    frontendMembership: next(),
    history: next(),
    historyMembership: next(),
    matching: next(),
    matchingMembership: next(),
    worker: next(),
    workerMembership: next(),
  };
  return {
    server,
    postgres: next(),
    ...(wantUi ? { ui: ui ?? next() } : {}),
    ...(wantSimulator ? { simulator: next() } : {}),
  };
}

async function ensureTools(log: ProgressLog): Promise<{ binaries: ClusterBinaries; temporalCli: string }> {
  const binaries = await ensureClusterBinaries(log);
  const temporalCli = await ensureTemporalCli({ allowSdkDownload: false, log });
  if (temporalCli.type !== 'existing-path') throw new ClusterError('the namespace script needs the Temporal CLI binary');
  return { binaries, temporalCli: temporalCli.path };
}

function makeDirectories(dir: string): ClusterPaths {
  const paths = clusterPaths(dir);
  for (const path of [
    dir,
    paths.logs,
    paths.serverRoot,
    join(paths.serverRoot, 'config'),
    join(paths.uiRoot, 'config'),
    paths.references,
  ]) {
    mkdirSync(path, { recursive: true });
  }
  // PostgreSQL (as the postgres user when we are root) must reach pg/ through this directory.
  chmodSync(dir, 0o755);
  return paths;
}

/** A new state (no processes yet), keeping the password and shard count the data was made with. */
function freshState(dir: string, previous: ClusterState | undefined): ClusterState {
  const state: ClusterState = {
    version: 1,
    password: previous?.password ?? randomBytes(18).toString('base64url'),
    numHistoryShards: previous?.numHistoryShards ?? NUM_HISTORY_SHARDS,
    processes: [],
    startedAt: new Date().toISOString(),
  };
  writeClusterState(dir, state);
  return state;
}

/** PostgreSQL (initialised on the first `up`), then the schema through the compose job's script. */
async function initDatabase(run: UpRun): Promise<void> {
  const { paths, pgBin, runAs, state, log } = run;
  const port = run.ports.postgres;
  let step = Date.now();
  const pgLog = join(paths.logs, 'postgres.log');
  if (initPostgres({ binDir: pgBin, dataDir: paths.pgData, password: state.password, runAs, log: pgLog })) {
    log(`PostgreSQL: initialised ${paths.pgData}${runAs ? ` (as the ${runAs.user} user)` : ''}`);
  }
  const pg = startPostgres({ binDir: pgBin, dataDir: paths.pgData, port, runAs, log: pgLog });
  run.started(pg.started);
  await waitUntil('PostgreSQL', () => postgresReady(pgBin, port), { child: pg.child, log: pgLog, timeoutMs: 60_000 });
  state.postgresPort = port;
  log(`PostgreSQL ${pgBin.match(/postgresql\/(\d+)/)?.[1] ?? ''}: 127.0.0.1:${port} (${seconds(step)})`);

  // The compose job's script, pointed at this PostgreSQL and the pinned server's schema.
  step = Date.now();
  await runScript(
    deployFile('setup-postgres.sh'),
    {
      PATH: scriptPath(run.env, [dirname(run.binaries.sqlTool), pgBin]),
      SQL_HOST: '127.0.0.1',
      SQL_PORT: String(port),
      SQL_USER: POSTGRES_USER,
      POSTGRES_PWD: state.password,
      SCHEMA_DIR: run.binaries.schemaDir,
    },
    join(paths.logs, 'schema.log'),
    300_000,
  );
  log(`Schema: temporal + temporal_visibility (postgres12, v12 schema of the server) up to date (${seconds(step)})`);
}

/** The Temporal server's config (persistence and visibility on PostgreSQL), then the server. */
async function startServer(run: UpRun): Promise<void> {
  const { paths, state } = run;
  const step = Date.now();
  state.serverPorts = run.ports.server;
  // 0600 on every up, also over a config an earlier run or version left: it holds the password.
  writePrivateFile(
    join(paths.serverRoot, 'config', `${CONFIG_ENV}.yaml`),
    renderServerConfig({
      ports: run.ports.server,
      postgresPort: run.ports.postgres,
      user: POSTGRES_USER,
      password: state.password,
      dynamicConfigFile: deployFile('dynamicconfig', 'development-sql.yaml'),
      numHistoryShards: state.numHistoryShards,
    }),
  );
  run.started(await startTemporalServer(run.dir, state, run.binaries, run.temporalCli));
  state.temporalAddress = `127.0.0.1:${run.ports.server.frontend}`;
  // The frontend's HTTP API (server-config.ts `httpPort`): callers without a Temporal SDK use it.
  state.httpApiUrl = `http://127.0.0.1:${run.ports.server.frontendHttp}`;
  writeClusterState(run.dir, state);
  run.log(
    `Temporal server ${TEMPORAL_SERVER_VERSION}: ${state.temporalAddress} (PostgreSQL persistence + SQL visibility) (${seconds(step)})`,
  );
  run.log(`Temporal HTTP API: ${state.httpApiUrl}/api/v1/namespaces/${run.options.namespace ?? 'default'}/...`);
}

/** The namespace and the search attributes: the compose job's script. */
async function registerSearchAttributes(run: UpRun): Promise<void> {
  const { state } = run;
  const step = Date.now();
  const namespace = run.options.namespace ?? 'default';
  await runScript(
    deployFile('create-namespace.sh'),
    {
      PATH: scriptPath(run.env, [dirname(run.temporalCli)]),
      HOME: run.env.HOME,
      TEMPORAL_ADDRESS: state.temporalAddress,
      DEFAULT_NAMESPACE: namespace,
      HEALTH_RETRY_SECONDS: '1',
    },
    join(run.paths.logs, 'namespace.log'),
    120_000,
  );
  state.namespace = namespace;
  writeClusterState(run.dir, state);
  run.log(`Namespace "${namespace}" with the search attributes (${seconds(step)})`);
}

async function startUi(run: UpRun, uiPort: number): Promise<void> {
  const { paths, state } = run;
  const step = Date.now();
  writePrivateFile(
    join(paths.uiRoot, 'config', `${CONFIG_ENV}.yaml`),
    renderUiConfig({ frontendPort: run.ports.server.frontend, port: uiPort, namespace: state.namespace! }),
  );
  const uiLog = join(paths.logs, 'ui-server.log');
  const ui = spawnDetached({
    name: 'ui-server',
    command: run.binaries.uiServer,
    args: ['--root', paths.uiRoot, '--config', 'config', '--env', CONFIG_ENV, 'start'],
    log: uiLog,
    cwd: paths.uiRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  run.started(ui.started);
  await waitUntil('the UI server', () => accepts('127.0.0.1', uiPort), { child: ui.child, log: uiLog, timeoutMs: 30_000 });
  state.uiUrl = `http://127.0.0.1:${uiPort}`;
  writeClusterState(run.dir, state);
  run.log(`UI: ${state.uiUrl} (${seconds(step)})`);
}

function printWelcome(run: UpRun, began: number): void {
  run.log(
    `cluster up in ${seconds(began)}: TEMPORAL_ADDRESS=${run.state.temporalAddress} TEMPORAL_NAMESPACE=${run.state.namespace}; logs in ${run.paths.logs}`,
  );
}

const cliMain = () => join(packageRoot(), 'dist', 'tools', 'cli', 'main.js');

/** The caller's environment without TEMPORAL_* (the workers talk to this cluster, no other). */
function withoutTemporalSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TEMPORAL_')));
}

/** The worker processes (none with `--workers 0`), with the simulator when RIVYA_BASE_URL is unset. */
async function startWorkers(run: UpRun): Promise<void> {
  const workers = run.options.workers ?? 1;
  if (workers <= 0) return;
  if (!existsSync(cliMain())) throw new ClusterError(`${cliMain()} is missing: run \`npm run build\` first`);
  const rivya = run.ports.simulator !== undefined ? await startSimulator(run, run.ports.simulator) : {};
  if (!run.env.RIVYA_REFERENCE_DIR) {
    rivya.RIVYA_REFERENCE_DIR = run.paths.references;
    const sample = join(run.paths.references, 'sample-reference.png');
    if (!existsSync(sample)) copyFileSync(assetPath('sample-reference.png'), sample);
  }
  const { state } = run;
  state.taskQueue = run.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE;
  const step = Date.now();
  const pending = [];
  for (let n = 1; n <= workers; n += 1) {
    const workerLog = join(run.paths.logs, `worker-${n}.log`);
    const offset = sizeOf(workerLog);
    const worker = spawnDetached({
      name: `worker-${n}`,
      command: process.execPath,
      args: [cliMain(), 'worker'],
      log: workerLog,
      env: {
        ...withoutTemporalSettings(run.env),
        ...rivya,
        TEMPORAL_ADDRESS: state.temporalAddress,
        TEMPORAL_NAMESPACE: state.namespace,
      },
    });
    run.started(worker.started);
    pending.push(
      waitUntil(`worker-${n}`, () => logSince(workerLog, offset).includes('polling task queue'), {
        child: worker.child,
        log: workerLog,
        timeoutMs: 120_000,
      }),
    );
  }
  await Promise.all(pending);
  writeClusterState(run.dir, state);
  run.log(`Workers: ${workers} polling task queue "${state.taskQueue}" (${seconds(step)})`);
}

/** The Rivya simulator as a process; resolves to the RIVYA_* settings the workers get for it. */
async function startSimulator(run: UpRun, port: number): Promise<Record<string, string>> {
  const { state } = run;
  const step = Date.now();
  const adminToken = randomBytes(24).toString('base64url');
  const simLog = join(run.paths.logs, 'simulator.log');
  const offset = sizeOf(simLog);
  const sim = spawnDetached({
    name: 'simulator',
    command: process.execPath,
    args: [cliMain(), 'simulator', '--host', '127.0.0.1', '--port', String(port)],
    log: simLog,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RIVYA_SIMULATOR_ADMIN_TOKEN: adminToken,
      RIVYA_SIMULATOR_CONFIG: JSON.stringify(run.options.simulatorConfig ?? {}),
    },
  });
  run.started(sim.started);
  await waitUntil('the Rivya simulator', () => logSince(simLog, offset).includes('listening on'), {
    child: sim.child,
    log: simLog,
    timeoutMs: 30_000,
  });
  state.simulator = { url: `http://127.0.0.1:${port}`, apiKey: DEFAULT_SIMULATOR_API_KEY, adminToken };
  writeClusterState(run.dir, state);
  run.log(
    `Rivya simulator: ${state.simulator.url} (RIVYA_BASE_URL unset; admin token in ${join(run.dir, 'cluster.json')}) (${seconds(step)})`,
  );
  return { RIVYA_BASE_URL: state.simulator.url, RIVYA_API_KEY: DEFAULT_SIMULATOR_API_KEY };
}

/** Stops a state's processes, newest first: workers, simulator, UI, server, then PostgreSQL (fast shutdown). */
async function stopAll(dir: string, state: ClusterState, log: ProgressLog): Promise<{ stopped: string[]; killed: string[] }> {
  const stopped: string[] = [];
  const killed: string[] = [];
  // Workers drain in parallel; the rest in reverse start order.
  const order = [...state.processes].reverse();
  const workers = order.filter((p) => p.name.startsWith('worker-'));
  const others = order.filter((p) => !p.name.startsWith('worker-'));
  const stopOne = async (p: StartedProcess) => {
    if (!isRunning(p)) return;
    // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for clients to leave).
    const hard = await stopProcess(p, p.name === 'postgres' ? 'SIGINT' : 'SIGTERM', p.name.startsWith('worker-') ? 30_000 : 15_000);
    (hard ? killed : stopped).push(`${p.name} (pid ${p.pid})`);
    log(`  stopped ${p.name} (pid ${p.pid})${hard ? ' with SIGKILL after its grace time' : ''}`);
  };
  await Promise.all(workers.map(stopOne));
  for (const p of others) await stopOne(p);
  const after: ClusterState = { version: 1, password: state.password, numHistoryShards: state.numHistoryShards, processes: [] };
  writeClusterState(dir, after);
  return { stopped, killed };
}

export async function clusterDown(
  dir: string,
  log: ProgressLog = (line) => console.log(line),
): Promise<{ stopped: string[]; killed: string[] }> {
  const state = readClusterState(dir);
  if (!state || runningProcesses(state).length === 0) {
    if (state && state.processes.length > 0) writeClusterState(dir, { ...state, processes: [] });
    log(`no cluster running from ${dir}`);
    return { stopped: [], killed: [] };
  }
  const result = await stopAll(dir, state, log);
  log(`cluster down: ${result.stopped.length + result.killed.length} processes stopped`);
  return result;
}

export interface ClusterStatus {
  dir: string;
  running: boolean;
  temporalAddress?: string;
  /** The frontend's HTTP API (start, history, ... at /api/v1/...). */
  httpApiUrl?: string;
  namespace?: string;
  uiUrl?: string;
  postgres?: string;
  simulatorUrl?: string;
  taskQueue?: string;
  processes: Array<StartedProcess & { running: boolean }>;
}

export function clusterStatus(dir: string): ClusterStatus {
  const state = readClusterState(dir);
  const processes = (state?.processes ?? []).map((p) => ({ ...p, running: isRunning(p) }));
  return {
    dir,
    running: processes.some((p) => p.running),
    temporalAddress: state?.temporalAddress,
    httpApiUrl: state?.httpApiUrl ?? (state?.serverPorts ? `http://127.0.0.1:${state.serverPorts.frontendHttp}` : undefined),
    namespace: state?.namespace,
    uiUrl: state?.uiUrl,
    postgres: state?.postgresPort ? `127.0.0.1:${state.postgresPort}` : undefined,
    simulatorUrl: state?.simulator?.url,
    taskQueue: state?.taskQueue,
    processes,
  };
}
