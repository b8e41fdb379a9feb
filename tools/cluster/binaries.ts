/**
 * The cluster's binaries, built once with `go install` into the project's binary cache
 * (`$RIVYA_SORA2_CACHE_DIR`, default `~/.cache/rivya-sora2-temporal`), in directories named by the
 * pinned versions, and reused after. A directory appears only complete (built beside it, then
 * renamed), so an interrupted build is redone rather than half-used.
 *
 *   temporal-server-1.29.1-<platform>/   server, sql (temporal-sql-tool, also linked under that name),
 *                                         schema/postgresql/v12 (copied from the module)
 *   temporal-ui-server-2.42.1-<platform>/ server
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { goInstall, isGoAvailable, type ProgressLog } from '../temporal-cli/go-install';

export type { ProgressLog } from '../temporal-cli/go-install';
import { binaryCacheDirectory, platformKey } from '../temporal-cli/wheel';
import { ClusterPrerequisiteError } from './errors';
import {
  POSTGRES_SCHEMA_PATH,
  TEMPORAL_SERVER_MODULE,
  TEMPORAL_SERVER_PACKAGES,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_SERVER_PACKAGE,
  TEMPORAL_UI_SERVER_VERSION,
} from './versions';

export interface ClusterBinaries {
  /** The Temporal server (`server --root R --config C --env E start`). */
  server: string;
  /** temporal-sql-tool; its directory goes first on PATH for deploy/temporal/setup-postgres.sh. */
  sqlTool: string;
  /** `schema/postgresql/v12` of the pinned server version. */
  schemaDir: string;
  /** The Temporal UI server. */
  uiServer: string;
}

const bare = (version: string) => version.replace(/^v/, '');

export function clusterBinaryPaths(env: NodeJS.ProcessEnv = process.env): ClusterBinaries {
  const cache = binaryCacheDirectory(env);
  const serverDir = join(cache, `temporal-server-${bare(TEMPORAL_SERVER_VERSION)}-${platformKey()}`);
  const uiDir = join(cache, `temporal-ui-server-${bare(TEMPORAL_UI_SERVER_VERSION)}-${platformKey()}`);
  return {
    server: join(serverDir, 'server'),
    sqlTool: join(serverDir, 'temporal-sql-tool'),
    schemaDir: join(serverDir, POSTGRES_SCHEMA_PATH),
    uiServer: join(uiDir, 'server'),
  };
}

/** Builds into `<final>.partial-<pid>` then renames it into place. */
async function buildDirectory(final: string, packages: readonly string[], log: ProgressLog): Promise<void> {
  const partial = `${final}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const started = Date.now();
  log(
    `building ${packages.map((p) => p.split('/').slice(-2).join('/')).join(' + ')} with 'go install' (once per machine; reused from ${final})`,
  );
  try {
    await goInstall(packages, { gobin: partial, log });
    rmSync(final, { recursive: true, force: true });
    renameSync(partial, final);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  log(`  built in ${Math.round((Date.now() - started) / 1000)}s`);
}

/** The pinned server module's directory in the Go module cache (downloaded if absent). */
async function serverModuleDirectory(): Promise<string> {
  const { stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], {
    maxBuffer: 1 << 20,
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} named no directory`);
  return dir;
}

function missing(paths: ClusterBinaries): string[] {
  return Object.values(paths).filter((path) => !existsSync(path));
}

/**
 * Returns the cluster's binaries, building what is missing. Go is needed only for a build: a
 * machine with a filled cache runs without it.
 */
export async function ensureClusterBinaries(log: ProgressLog = (line) => console.error(line)): Promise<ClusterBinaries> {
  const paths = clusterBinaryPaths();
  if (missing(paths).length === 0) return paths;
  if (!(await isGoAvailable())) {
    throw new ClusterPrerequisiteError(
      `Go not found: the cluster's Temporal server ${TEMPORAL_SERVER_VERSION} and UI server ${TEMPORAL_UI_SERVER_VERSION} are built once with ` +
        `'go install' (Go >= 1.25 on PATH; https://go.dev/dl), then reused from ${join(paths.server, '..', '..')}`,
    );
  }
  const serverDir = join(paths.server, '..');
  if (!existsSync(paths.server) || !existsSync(join(serverDir, 'sql'))) {
    await buildDirectory(
      serverDir,
      TEMPORAL_SERVER_PACKAGES.map((p) => `${p}@${TEMPORAL_SERVER_VERSION}`),
      log,
    );
  }
  if (!existsSync(paths.sqlTool)) symlinkSync('sql', paths.sqlTool);
  if (!existsSync(paths.schemaDir)) {
    const source = join(await serverModuleDirectory(), POSTGRES_SCHEMA_PATH);
    const partial = `${paths.schemaDir}.partial-${process.pid}`;
    cpSync(source, partial, { recursive: true });
    renameSync(partial, paths.schemaDir);
    log(`copied the ${TEMPORAL_SERVER_VERSION} PostgreSQL v12 schema to ${paths.schemaDir}`);
  }
  if (!existsSync(paths.uiServer)) {
    await buildDirectory(join(paths.uiServer, '..'), [`${TEMPORAL_UI_SERVER_PACKAGE}@${TEMPORAL_UI_SERVER_VERSION}`], log);
  }
  const still = missing(paths);
  if (still.length > 0) throw new Error(`after building, still missing: ${still.join(', ')}`);
  return paths;
}
