/**
 * The cluster's directory (default ./.rivya-cluster, or --data-dir / RIVYA_CLUSTER_DIR):
 *
 *   cluster.json   what runs (pids, ports, addresses), the database password: mode 0600
 *   pg/            PostgreSQL's data directory (owned by `postgres` when we are root)
 *   temporal/config/cluster.yaml, ui/config/cluster.yaml   rendered configs (0600, the server's
 *                  holds the password; like cluster.json rewritten so on every write: ./private-file.ts)
 *   logs/*.log     one per process and per setup script
 *   references/    the worker's RIVYA_REFERENCE_DIR unless one is set
 *
 * The file survives `down` (minus the processes), so the next `up` reuses the password and the
 * history shard count the databases were created with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writePrivateFile } from './private-file';
import type { StartedProcess } from './processes';
import type { ServerPorts } from './server-config';

export const CLUSTER_DIR_ENV = 'RIVYA_CLUSTER_DIR';
export const DEFAULT_CLUSTER_DIR = '.rivya-cluster';
export const STATE_FILE = 'cluster.json';

export interface ClusterState {
  version: 1;
  /** Created with the databases; kept across up/down. */
  password: string;
  numHistoryShards: number;
  /** Set while running. */
  namespace?: string;
  temporalAddress?: string;
  /** The frontend's HTTP API base URL, e.g. http://127.0.0.1:7243 (set while running). */
  httpApiUrl?: string;
  uiUrl?: string;
  postgresPort?: number;
  serverPorts?: ServerPorts;
  taskQueue?: string;
  simulator?: { url: string; apiKey: string; adminToken: string };
  processes: StartedProcess[];
  startedAt?: string;
}

export function clusterDirectory(given?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(given ?? env[CLUSTER_DIR_ENV] ?? DEFAULT_CLUSTER_DIR);
}

export function readClusterState(dir: string): ClusterState | undefined {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
}

export function writeClusterState(dir: string, state: ClusterState): void {
  // Atomic (a reader never sees half a file) and 0600 every time: it holds the database password.
  writePrivateFile(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}
