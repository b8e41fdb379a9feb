/**
 * The Temporal CLI dev server with this project's search attributes registered — one helper for
 * the tests, the `dev` command and the benchmarks.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../src/internal/net/ports';
import { TypedSearchAttributes } from '@temporalio/common';
import type { EphemeralServerExecutable, TestWorkflowEnvironment } from '@temporalio/testing';
import { requireOptional } from '../../src/internal/optional-module';

/** `@temporalio/testing` (an optional peer) runs and attaches to the dev server: loaded when one starts. */
function testing(): typeof import('@temporalio/testing') {
  return requireOptional('@temporalio/testing', 'the local Temporal dev server (rivya-sora2 dev)');
}
import { RIVYA_SEARCH_ATTRIBUTES } from '../../workflows/common/search-attributes';
import { writePrivateFlagFile, type PrivateFlagFile } from './flag-file';

export interface DevServerOptions {
  executable: EphemeralServerExecutable;
  ip?: string;
  /** Fixed port (needed to restart a server where its clients expect it); default: a free one. */
  port?: number;
  /** Serve the web UI (on uiPort, default port + 1000). */
  ui?: boolean;
  uiPort?: number;
  /**
   * The frontend's HTTP API port (the CLI's `--http-port`, CLI ≥ 1.2): start and await workflows
   * with plain HTTP at /api/v1/... Default: a random free port the caller cannot know.
   */
  httpPort?: number;
  /** Persist to this SQLite file, so a restarted server keeps its workflows. */
  dbFilename?: string;
  /** Dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 40 }. */
  dynamicConfig?: Record<string, unknown>;
  /**
   * The UI's remote codec endpoint (the CLI's `--ui-codec-endpoint`): the UI decodes payloads
   * through it. It may hold a token, so it is passed in an owner-only file, never on the command
   * line (flag-file.ts).
   */
  uiCodecEndpoint?: string;
}

/** Flags whose values must stay off the command line, in a private file; undefined when there are none. */
function privateFlags(options: DevServerOptions): PrivateFlagFile | undefined {
  if (!options.ui || !options.uiCodecEndpoint) return undefined;
  return writePrivateFlagFile({ 'ui-codec-endpoint': options.uiCodecEndpoint });
}

export async function startDevServer(options: DevServerOptions): Promise<TestWorkflowEnvironment> {
  const extraArgs = Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
  if (options.httpPort !== undefined) extraArgs.push('--http-port', String(options.httpPort));
  const flagFile = privateFlags(options);
  if (flagFile) extraArgs.push(...flagFile.args);
  try {
    return await testing().TestWorkflowEnvironment.createLocal({
      server: {
        executable: options.executable,
        ip: options.ip,
        port: options.port,
        ui: options.ui,
        uiPort: options.uiPort,
        dbFilename: options.dbFilename,
        searchAttributes: [...RIVYA_SEARCH_ATTRIBUTES],
        extraArgs,
      },
    });
  } finally {
    // Read once at the CLI's start, which createLocal has waited for (or which failed).
    flagFile?.remove();
  }
}

/** What a caller of the dev server uses; a TestWorkflowEnvironment is one. */
export interface RunningDevServer {
  readonly address: string;
  readonly client: TestWorkflowEnvironment['client'];
  readonly nativeConnection: TestWorkflowEnvironment['nativeConnection'];
  teardown(): Promise<void>;
}

export interface LoggedDevServerOptions extends DevServerOptions {
  /** Receives the server's stdout and stderr (its banner, warnings, shutdown noise). */
  output: (chunk: Buffer) => void;
  /** How long the server may take to accept connections. Default 60 s. */
  startTimeoutMs?: number;
}

/** Whether something accepts TCP connections at ip:port (within 1 s). */
export async function accepts(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Connects to a server that just began accepting TCP: its frontend answers "not healthy yet"
 * (UNAVAILABLE) for a moment after that, which under load once failed `dev` at start. That answer is
 * retried until `deadline`; any other error, or the server's exit, ends the wait.
 */
async function connectOnceHealthy(address: string, deadline: number, serverExited: () => boolean): Promise<TestWorkflowEnvironment> {
  for (;;) {
    try {
      return await testing().TestWorkflowEnvironment.createFromExistingServer({ address });
    } catch (err) {
      const starting = /unavailable|not healthy/i.test(String(err));
      if (!starting || serverExited() || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * The dev server as an interactive command wants it: its output goes to `output` (a log file), not
 * the terminal, and it runs in its own process group, so a Ctrl-C in the terminal reaches only this
 * process, which then stops the worker first and the server last (no Go shutdown warnings from a
 * server killed under a polling worker). Needs the CLI's path; with the SDK's cached download it
 * falls back to `startDevServer` (the server's output then shares the terminal).
 */
export async function startLoggedDevServer(options: LoggedDevServerOptions): Promise<RunningDevServer> {
  if (options.executable.type !== 'existing-path') return startDevServer(options);
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-format', 'pretty', '--log-level', 'warn'];
  if (options.ui) args.push('--ui-port', String(options.uiPort ?? port + 1000));
  else args.push('--headless');
  if (options.httpPort !== undefined) args.push('--http-port', String(options.httpPort));
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  const flagFile = privateFlags(options);
  if (flagFile) args.push(...flagFile.args);
  for (const { name, type } of RIVYA_SEARCH_ATTRIBUTES)
    args.push('--search-attribute', `${name}=${TypedSearchAttributes.toMetadataType(type)}`);
  // As the SDK starts it: no version check call home, workflow updates on; then the caller's values.
  const dynamicConfig = {
    'frontend.enableServerVersionCheck': false,
    'frontend.enableUpdateWorkflowExecution': true,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
    ...options.dynamicConfig,
  };
  for (const [key, value] of Object.entries(dynamicConfig)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(options.executable.path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', options.output);
  child.stderr.on('data', options.output);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  // Its own process group does not die with this one: stop it when this process exits, however.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    while (!(await accepts(ip, port))) {
      if (exited) throw new Error(`the Temporal dev server exited at start (exit code ${child.exitCode ?? 'unknown'})`);
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not accept connections on ${ip}:${port} in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const env = await connectOnceHealthy(`${ip}:${port}`, deadline, () => exited);
    return {
      address: env.address,
      client: env.client,
      nativeConnection: env.nativeConnection,
      teardown: async () => {
        await env.teardown().catch(() => undefined);
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    // Read once at the CLI's start: the server accepts connections (or has exited) by now.
    flagFile?.remove();
  }
}
