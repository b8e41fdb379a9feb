/**
 * `rivya-sora2 cluster up|down|status|build` (`npm run cluster`): the production shape on this
 * machine — PostgreSQL, the Temporal server on it (SQL visibility), the UI server and workers — from
 * the same deploy/ scripts and dynamic config as docker-compose.yml. See tools/cluster/.
 */
import type { Command } from 'commander';
import {
  clusterDirectory,
  clusterDown,
  clusterStatus,
  clusterUp,
  ensureClusterBinaries,
  CLUSTER_DIR_ENV,
  DEFAULT_CLUSTER_DIR,
  DEFAULT_CLUSTER_PORT,
  DEFAULT_CLUSTER_UI_PORT,
} from '../../cluster';
import { ExitCodes } from '../exit-codes';
import { DEV_SIMULATOR_TIMING } from './dev';

function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`not a port: ${value}`);
  return port;
}

function countOption(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0 || count > 16) throw new Error(`not a worker count (0-16): ${value}`);
  return count;
}

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description(
      'run the production shape locally: PostgreSQL + Temporal server (SQL visibility) + UI + workers, on 127.0.0.1 (no Docker)',
    );
  const dirOption = [
    '--data-dir <dir>',
    `cluster directory (data, logs, state); default $${CLUSTER_DIR_ENV} or ./${DEFAULT_CLUSTER_DIR}`,
  ] as const;

  cluster
    .command('up', { isDefault: true })
    .description('build the binaries once (cached), start everything, print where it runs, and return')
    .option(...dirOption)
    .option('--port <port>', `Temporal frontend gRPC port (0: a free one)`, portOption, DEFAULT_CLUSTER_PORT)
    .option('--ui-port <port>', `UI port (0: a free one)`, portOption, DEFAULT_CLUSTER_UI_PORT)
    .option('--no-ui', 'do not start the UI server')
    .option('--workers <n>', 'worker processes (0: none)', countOption, 1)
    .option('--namespace <name>', 'namespace to create and register the search attributes in', 'default')
    .action(async (options: { dataDir?: string; port: number; uiPort: number; ui: boolean; workers: number; namespace: string }) => {
      const dir = clusterDirectory(options.dataDir);
      await clusterUp({
        dir,
        port: options.port,
        uiPort: options.uiPort,
        ui: options.ui,
        workers: options.workers,
        namespace: options.namespace,
        simulatorConfig: { timing: DEV_SIMULATOR_TIMING },
      });
      const where = options.dataDir ? ` --data-dir ${options.dataDir}` : '';
      console.log(`stop with: rivya-sora2 cluster down${where}   (npm run cluster -- down${where})`);
    });

  cluster
    .command('down')
    .description('stop everything `up` started (by pid); data stays for the next `up`')
    .option(...dirOption)
    .action(async (options: { dataDir?: string }) => {
      await clusterDown(clusterDirectory(options.dataDir));
    });

  cluster
    .command('status')
    .description('what runs where (exit code 3 when nothing runs)')
    .option(...dirOption)
    .option('--json', 'machine-readable')
    .action((options: { dataDir?: string; json?: boolean }) => {
      const status = clusterStatus(clusterDirectory(options.dataDir));
      if (options.json) {
        console.log(JSON.stringify(status, null, 2));
      } else if (!status.running) {
        console.log(`no cluster running from ${status.dir}`);
      } else {
        console.log(`cluster in ${status.dir}`);
        if (status.temporalAddress) console.log(`  Temporal:  ${status.temporalAddress}   namespace ${status.namespace ?? '-'}`);
        if (status.httpApiUrl) console.log(`  HTTP API:  ${status.httpApiUrl}`);
        if (status.uiUrl) console.log(`  UI:        ${status.uiUrl}`);
        if (status.postgres) console.log(`  Postgres:  ${status.postgres}`);
        if (status.simulatorUrl) console.log(`  Simulator: ${status.simulatorUrl}`);
        if (status.taskQueue) console.log(`  Task queue: ${status.taskQueue}`);
        for (const p of status.processes) {
          console.log(`  ${p.name.padEnd(16)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'NOT RUNNING'}   log ${p.log}`);
        }
      }
      if (!status.running) process.exitCode = ExitCodes.notRunning;
    });

  cluster
    .command('build')
    .description('build (or find in the cache) the Temporal server, temporal-sql-tool and UI server binaries, and print their paths')
    .action(async () => {
      const binaries = await ensureClusterBinaries((line) => console.error(line));
      for (const [name, path] of Object.entries(binaries)) console.log(`${name}: ${path}`);
    });
}
