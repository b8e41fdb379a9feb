/**
 * The cluster's PostgreSQL: the machine's own installation (Debian's postgresql-15 package puts it in
 * /usr/lib/postgresql/15/bin), a data directory inside the cluster's directory, TCP on 127.0.0.1
 * only (no Unix socket), password auth (scram-sha-256) for the `temporal` superuser. initdb and
 * postgres refuse to run as root: as root they run as the `postgres` user, which must own the data
 * directory and be able to reach it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterPrerequisiteError } from './errors';
import { writePrivateFile } from './private-file';
import { spawnDetached, type StartedProcess } from './processes';
import { POSTGRES_MAJORS } from './versions';
import type { ChildProcess } from 'node:child_process';

export const POSTGRES_USER = 'temporal';
export const POSTGRES_BIN_ENV = 'RIVYA_POSTGRES_BIN_DIR';

export interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

/** The directory holding initdb, postgres and pg_isready. */
export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const has = (dir: string) => ['initdb', 'postgres', 'pg_isready'].every((name) => existsSync(join(dir, name)));
  const explicit = env[POSTGRES_BIN_ENV];
  if (explicit) {
    if (!has(explicit)) throw new ClusterPrerequisiteError(`${POSTGRES_BIN_ENV}=${explicit} holds no initdb/postgres/pg_isready`);
    return explicit;
  }
  for (const major of POSTGRES_MAJORS) {
    const dir = `/usr/lib/postgresql/${major}/bin`;
    if (has(dir)) return dir;
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dir && has(dir)) return dir;
  } catch {
    // no pg_config on PATH
  }
  throw new ClusterPrerequisiteError(
    `PostgreSQL not found (looked for initdb, postgres and pg_isready in ${POSTGRES_BIN_ENV}, /usr/lib/postgresql/{${POSTGRES_MAJORS.join(',')}}/bin ` +
      `and pg_config --bindir): install it (Debian/Ubuntu: apt-get install postgresql-15) or set ${POSTGRES_BIN_ENV}`,
  );
}

/** Undefined when not root (PostgreSQL runs as us); the `postgres` user when root. */
export function postgresRunAs(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid, user: 'postgres' };
  } catch {
    throw new ClusterPrerequisiteError(
      'running as root, and PostgreSQL refuses root: create a `postgres` user (the Debian package does) or run as a normal user',
    );
  }
}

function checkReachable(dir: string, runAs: RunAs): void {
  const probe = spawnSync('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dir], { uid: runAs.uid, gid: runAs.gid });
  if (probe.status !== 0) {
    throw new ClusterPrerequisiteError(
      `the ${runAs.user} user (PostgreSQL refuses to run as root) cannot write ${dir}: a parent directory is not searchable by it. ` +
        `Use --data-dir somewhere it can reach (e.g. /var/tmp/rivya-cluster), or run as a normal user`,
    );
  }
}

/** initdb into `dataDir` unless it already holds a cluster. Resolves true when it initialised. */
export function initPostgres(options: { binDir: string; dataDir: string; password: string; runAs?: RunAs; log: string }): boolean {
  if (existsSync(join(options.dataDir, 'PG_VERSION'))) return false;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(options.dataDir, '..', `.pwfile-${process.pid}`);
  writePrivateFile(pwfile, `${options.password}\n`);
  try {
    if (options.runAs) {
      chownSync(options.dataDir, options.runAs.uid, options.runAs.gid);
      chownSync(pwfile, options.runAs.uid, options.runAs.gid);
      checkReachable(options.dataDir, options.runAs);
    }
    chmodSync(options.dataDir, 0o700);
    const result = spawnSync(
      join(options.binDir, 'initdb'),
      [
        '-D',
        options.dataDir,
        '-U',
        POSTGRES_USER,
        `--pwfile=${pwfile}`,
        '-A',
        'scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { uid: options.runAs?.uid, gid: options.runAs?.gid, encoding: 'utf8', cwd: options.dataDir },
    );
    writeFileSync(options.log, `${result.stdout ?? ''}${result.stderr ?? ''}`, { flag: 'a' });
    if (result.status !== 0) {
      rmSync(options.dataDir, { recursive: true, force: true });
      throw new Error(
        `initdb failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout || String(result.error)).trim()}`,
      );
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
  return true;
}

export function startPostgres(options: { binDir: string; dataDir: string; port: number; runAs?: RunAs; log: string }): {
  started: StartedProcess;
  child: ChildProcess;
} {
  if (options.runAs) {
    // The log file is opened by us and handed over; only the data directory needs the postgres user.
    checkReachable(options.dataDir, options.runAs);
  }
  return spawnDetached({
    name: 'postgres',
    command: join(options.binDir, 'postgres'),
    args: [
      '-D',
      options.dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `port=${options.port}`,
      // No Unix socket: loopback TCP only, and no dependency on /var/run/postgresql.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=150',
    ],
    log: options.log,
    cwd: options.dataDir,
    uid: options.runAs?.uid,
    gid: options.runAs?.gid,
    env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' },
  });
}

export function postgresReady(binDir: string, port: number): boolean {
  return spawnSync(join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '1']).status === 0;
}
