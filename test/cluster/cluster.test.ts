/**
 * The production shape, tested: `rivya-sora2 cluster up` (PostgreSQL, Temporal server 1.29.1 with
 * SQL persistence and visibility, UI server, a worker with the simulator), then what must hold on
 * it — a generation end to end, a worker SIGKILLed mid-poll, the server SIGKILLed and restarted
 * mid-poll, search-attribute queries through SQL visibility, the compose namespace script, and
 * `down` leaving no process behind. Binaries are built when missing (never a skip).
 *
 * Run by `npm run test:cluster` (CI: .ci/run), not by `npm test` (jest.config.js ignores test/cluster/).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import fetch from 'node-fetch';
import { listSora2Generations, startSora2Generation, type Sora2GenerationInput } from '../../src';
import {
  clusterBinaryPaths,
  deployFile,
  ensureClusterBinaries,
  isRunning,
  readClusterState,
  recordProcess,
  startTemporalServer,
  type ClusterState,
} from '../../tools/cluster';
import { packageRoot } from '../../src/internal/package-root';
import type { RivyaSimulator, SimulatorStats } from '../../simulator/index';
import { ensureTemporalCli } from '../../tools/temporal-cli';
import { spawnWorkerProcess, type WorkerProcess } from '../../tools/testing/worker-process';
import { RIVYA_MODEL, RIVYA_SEARCH_ATTRIBUTES, RIVYA_TASK_ID, RIVYA_TASK_STATUS } from '../../workflows/common/search-attributes';
import { workerDeploymentFromEnv } from '../../src/worker/versioning';
import { nextId } from '../helpers/ids';
import { startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';
import { FAST_POLLING } from '../helpers/stack';
import { awaitCloseOverHttp, startOverHttp } from '../helpers/temporal-http';
import { validateAgainstSchema } from '../helpers/json-schema';
import { BUDGET_CHAOS_TITLE, expectBudgetChaosHeld, runBudgetChaos, startBudgetChaosSimulator } from '../chaos/budget-chaos-scenario';
const run = promisify(execFile);
const cli = join(packageRoot(), 'dist', 'tools', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'rivya-cluster-test-'));

let temporalCli: string;
let state: ClusterState;
let connection: Connection;
let client: Client;

const generation = (prompt: string): Sora2GenerationInput => ({ prompt: `[sim:succeed] ${prompt}`, polling: FAST_POLLING });
const slowTask = (simulator: RivyaSimulator, ms: number) =>
  simulator.configure({ timing: { queuedMs: [ms / 4, ms / 4], processingMs: { default: [(3 * ms) / 4, (3 * ms) / 4] } } });
const polls = (simulator: RivyaSimulator) => simulator.stats().counters.getGeneration?.requests ?? 0;

async function rivyaCli(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 180_000, maxBuffer: 1 << 22 });
  return `${stdout}${stderr}`;
}

async function startWorker(simulator: RivyaSimulator, taskQueue: string, extraEnv?: Record<string, string>): Promise<WorkerProcess> {
  return spawnWorkerProcess({
    temporalAddress: state.temporalAddress!,
    taskQueue,
    rivyaBaseUrl: simulator.url,
    apiKey: TEST_API_KEY,
    extraEnv,
  });
}

/** Loopback TCP listeners of a process (from /proc): every one must be 127.0.0.1. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, st, inode] = [fields[1]!, fields[3], fields[9]];
      if (st !== '0A' || !inodes.has(inode!)) continue;
      const [hex, port] = local.split(':');
      const ip =
        hex!.length === 8
          ? hex!
              .match(/../g)!
              .reverse()
              .map((byte) => parseInt(byte, 16))
              .join('.')
          : hex === '00000000000000000000000000000000'
            ? '::'
            : hex === '00000000000000000000000001000000'
              ? '::1'
              : `v6:${hex}`;
      addresses.push(`${ip}:${parseInt(port!, 16)}`);
    }
  }
  return addresses;
}

beforeAll(async () => {
  // Build or fail: a machine without the binaries builds them here (minutes, once), never skips.
  await ensureClusterBinaries((line) => process.stderr.write(`${line}\n`));
  const executable = await ensureTemporalCli({ allowSdkDownload: false });
  if (executable.type !== 'existing-path') throw new Error('the cluster tests need the Temporal CLI binary');
  temporalCli = executable.path;
  const output = await rivyaCli('cluster', 'up', '--data-dir', dir, '--port', '0', '--ui-port', '0', '--workers', '1');
  expect(output).toMatch(/cluster up in [\d.]+s/);
  state = readClusterState(dir)!;
  connection = await Connection.connect({ address: state.temporalAddress! });
  client = new Client({ connection, namespace: 'default' });
}, 30 * 60_000);

afterAll(async () => {
  await connection?.close();
  const down = await rivyaCli('cluster', 'down', '--data-dir', dir).catch((err: Error) => err.message);
  const after = readClusterState(dir);
  const started = state?.processes ?? [];
  rmSync(dir, { recursive: true, force: true });
  expect(down).toMatch(/cluster down|no cluster running/);
  expect(after?.processes ?? []).toEqual([]);
  for (const p of started) expect(`${p.name} ${isRunning(p) ? 'running' : 'gone'}`).toBe(`${p.name} gone`);
}, 120_000);

test('status says what runs where; every listening socket is on 127.0.0.1', async () => {
  const status = JSON.parse(await rivyaCli('cluster', 'status', '--data-dir', dir, '--json')) as {
    running: boolean;
    processes: Array<{ name: string; pid: number; running: boolean }>;
  };
  expect(status.running).toBe(true);
  expect(status.processes.map((p) => `${p.name}:${p.running}`).sort()).toEqual(
    ['postgres', 'temporal-server', 'ui-server', 'simulator', 'worker-1'].map((name) => `${name}:true`).sort(),
  );
  const listening = status.processes.flatMap((p) => listeningAddresses(p.pid));
  for (const address of listening) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  // PostgreSQL; the frontend (gRPC, HTTP), history and matching (gRPC), the four membership ports (the
  // server's internal worker service serves no gRPC); the UI; the simulator. Nothing else listens.
  const { worker: _internalWorkerGrpc, ...served } = state.serverPorts!;
  const expected = [
    state.postgresPort!,
    ...Object.values(served),
    Number(new URL(state.uiUrl!).port),
    Number(new URL(state.simulator!.url).port),
  ];
  expect(listening.sort()).toEqual(expected.map((port) => `127.0.0.1:${port}`).sort());
  const ui = await fetch(state.uiUrl!);
  expect(ui.status).toBe(200);
});

test("a generation end to end through the cluster's own worker and simulator", async () => {
  const workflowId = nextId('cluster-e2e');
  const handle = await startSora2Generation(
    client,
    { prompt: '[sim:succeed] a cat on PostgreSQL', reference: { path: 'sample-reference.png' }, polling: FAST_POLLING },
    { workflowId, taskQueue: state.taskQueue! },
  );
  const result = await handle.result();
  const stats = (await (
    await fetch(`${state.simulator!.url}/_simulator/stats`, { headers: { Authorization: `Bearer ${state.simulator!.adminToken}` } })
  ).json()) as SimulatorStats;
  expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
  expect(result.videoUrl).toContain(result.taskId);
}, 120_000);

test("plain HTTP, no SDK: start and await a generation through the frontend's HTTP API (cluster status names it)", async () => {
  const status = JSON.parse(await rivyaCli('cluster', 'status', '--data-dir', dir, '--json')) as { httpApiUrl?: string };
  expect(status.httpApiUrl).toBe(`http://127.0.0.1:${state.serverPorts!.frontendHttp}`);
  const workflowId = nextId('cluster-http');
  const started = await startOverHttp(status.httpApiUrl!, 'default', workflowId, {
    workflowType: 'sora2Generation',
    taskQueue: state.taskQueue!,
    args: [{ prompt: '[sim:succeed] started with curl', polling: FAST_POLLING }],
  });
  expect(started.started).toBe(true);
  const closed = await awaitCloseOverHttp(status.httpApiUrl!, 'default', workflowId, { runId: started.runId });
  if (closed.status !== 'completed') throw new Error(`expected completed, got ${JSON.stringify(closed)}`);
  expect(closed.result).toMatchObject({ workflowId, status: 'succeeded' });
  expect(validateAgainstSchema('sora2-generation-result', closed.result)).toEqual([]);
}, 120_000);

test('a worker SIGKILLed mid-poll: a new worker finishes the generation, one task', async () => {
  const simulator = await startTestSimulator();
  const taskQueue = nextId('cluster-worker-kill');
  let worker = await startWorker(simulator, taskQueue);
  try {
    slowTask(simulator, 8_000);
    const workflowId = nextId('worker-killed');
    const handle = await startSora2Generation(client, generation('survive a worker crash'), { workflowId, taskQueue });
    await waitFor(() => (polls(simulator) >= 2 ? true : undefined), 30_000);
    await worker.kill('SIGKILL');
    const before = polls(simulator);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    worker = await startWorker(simulator, taskQueue);
    const result = await handle.result();
    const stats = simulator.stats();
    expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
    expect(stats.counters.createGeneration!.requests).toBe(1);
    expect(result.taskId).toBe(stats.tasks[0]!.id);
    expect(polls(simulator)).toBeGreaterThan(before);
  } finally {
    await worker.kill('SIGTERM');
    await simulator.close();
  }
}, 120_000);

test('the Temporal server SIGKILLed and restarted mid-poll: every generation completes, one task each', async () => {
  const simulator = await startTestSimulator();
  const taskQueue = nextId('cluster-server-kill');
  const worker = await startWorker(simulator, taskQueue);
  try {
    slowTask(simulator, 10_000);
    const ids = [1, 2, 3].map((n) => nextId(`server-killed-${n}`));
    for (const workflowId of ids) await startSora2Generation(client, generation('survive a server crash'), { workflowId, taskQueue });
    await waitFor(() => (polls(simulator) >= 3 ? true : undefined), 30_000);

    for (const id of ids) expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
    const pollsAtKill = polls(simulator);
    await killAndRestartServer();

    // The client reconnects by itself; the worker process kept polling through the outage.
    const results = await Promise.all(ids.map((id) => client.workflow.getHandle(id).result()));
    const stats = simulator.stats();
    for (const [i, id] of ids.entries()) {
      expect(stats.tasksPerIdempotencyKey[id]).toBe(1);
      expect(results[i]!.videoUrl).toContain(results[i]!.taskId);
    }
    expect(stats.counters.createGeneration!.requests).toBe(ids.length);
    expect(polls(simulator)).toBeGreaterThan(pollsAtKill);
    expect(new Set(results.map((r) => r.taskId)).size).toBe(ids.length);
  } finally {
    await worker.kill('SIGTERM');
    await simulator.close();
  }
}, 180_000);

/** SIGKILLs the cluster's Temporal server and starts it again on the same ports and database. */
async function killAndRestartServer(): Promise<void> {
  const server = state.processes.find((p) => p.name === 'temporal-server')!;
  process.kill(server.pid, 'SIGKILL');
  await waitFor(() => (isRunning(server) ? undefined : true), 10_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const restarted = await startTemporalServer(dir, state, clusterBinaryPaths(), temporalCli);
  recordProcess(dir, restarted);
  state = readClusterState(dir)!;
}

test(`account budget chaos on PostgreSQL, the Temporal server SIGKILLed too: ${BUDGET_CHAOS_TITLE}`, async () => {
  const simulator = await startBudgetChaosSimulator();
  try {
    const outcome = await runBudgetChaos({
      client,
      temporalAddress: state.temporalAddress!,
      simulator,
      taskQueue: nextId('cluster-budget-chaos'),
      timeoutMs: 150_000,
      // After the first leases and before the top-up: leases, commits and refunds cross the outage.
      extraFault: { atMs: 4_500, inject: killAndRestartServer },
    });
    expect(outcome.extraFaultInjected).toBe(true);
    expectBudgetChaosHeld(outcome);
  } finally {
    await simulator.close();
  }
}, 240_000);

describe('search attributes through SQL visibility (PostgreSQL v12 schema)', () => {
  test('ours fit its fixed columns: at most 10 Keyword, 3 of each other type', () => {
    const limits: Record<string, number> = { KEYWORD: 10, INT: 3, DOUBLE: 3, BOOL: 3, DATETIME: 3, TEXT: 3, KEYWORD_LIST: 3 };
    const perType = new Map<string, number>();
    for (const key of RIVYA_SEARCH_ATTRIBUTES) perType.set(key.type, (perType.get(key.type) ?? 0) + 1);
    for (const [type, count] of perType) expect(`${type} ${count}`).toBe(`${type} ${Math.min(count, limits[type] ?? 0)}`);
  });

  test('registered with their types, and filterable by status, model and task id', async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
    for (const key of RIVYA_SEARCH_ATTRIBUTES) {
      expect(`${key.name} ${customAttributes?.[key.name]}`).toBe(
        `${key.name} ${IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}` as keyof typeof IndexedValueType]}`,
      );
    }
    const simulator = await startTestSimulator();
    const taskQueue = nextId('cluster-visibility');
    const worker = await startWorker(simulator, taskQueue);
    try {
      const ids = [nextId('visible-a'), nextId('visible-b')];
      const results = await Promise.all(
        ids.map(async (workflowId) => (await startSora2Generation(client, generation('find me'), { workflowId, taskQueue })).result()),
      );
      const described = await client.workflow.getHandle(ids[0]!).describe();
      const status = described.typedSearchAttributes.get(RIVYA_TASK_STATUS)!;
      const model = described.typedSearchAttributes.get(RIVYA_MODEL)!;
      expect(described.typedSearchAttributes.get(RIVYA_TASK_ID)).toBe(results[0]!.taskId);
      const list = async (query: string) => {
        const found: string[] = [];
        for await (const execution of client.workflow.list({ query })) found.push(execution.workflowId);
        return found;
      };
      // Visibility is eventually consistent: wait for the final upserts to land.
      const byTask = await waitFor(
        async () => {
          const found = await list(`${RIVYA_TASK_ID.name} = '${results[1]!.taskId}'`);
          return found.length > 0 ? found : undefined;
        },
        15_000,
        250,
      );
      expect(byTask).toEqual([ids[1]]);
      const matching = await waitFor(
        async () => {
          const found = await list(
            `${RIVYA_TASK_STATUS.name} = '${status}' AND ${RIVYA_MODEL.name} = '${model}' AND WorkflowId IN ('${ids[0]}', '${ids[1]}')`,
          );
          return found.length === 2 ? found : undefined;
        },
        15_000,
        250,
      );
      expect(matching.sort()).toEqual([...ids].sort());
      const count = await client.workflow.count(`${RIVYA_TASK_STATUS.name} = '${status}' AND ExecutionStatus = 'Completed'`);
      expect(count.count).toBeGreaterThanOrEqual(2);
      // SQL visibility refuses ORDER BY: nothing in this project may rely on it.
      const refused = await list(`${RIVYA_MODEL.name} = '${model}' ORDER BY StartTime DESC`).catch((err: Error & { cause?: Error }) => err);
      expect(refused).toBeInstanceOf(Error);
      expect(String((refused as Error & { cause?: Error }).cause?.message ?? refused)).toMatch(/order by/i);
    } finally {
      await worker.kill('SIGTERM');
      await simulator.close();
    }
  }, 120_000);

  test('the list of generations: newest start first and keyset pages, sorted client-side (no ORDER BY)', async () => {
    const simulator = await startTestSimulator();
    const taskQueue = nextId('cluster-list');
    const worker = await startWorker(simulator, taskQueue);
    try {
      const since = new Date(Date.now() - 1_000);
      const ids: string[] = [];
      // One after the other: the start order is the expected newest-first order, reversed.
      for (const label of ['list-a', 'list-b', 'list-c']) {
        const workflowId = nextId(label);
        ids.push(workflowId);
        await (await startSora2Generation(client, generation('list me'), { workflowId, taskQueue })).result();
      }
      const filters = { since, model: 'sora-2', status: 'succeeded' };
      const all = await waitFor(
        async () => {
          const page = await listSora2Generations(client, { ...filters, limit: 10 });
          return page.generations.length === 3 ? page : undefined;
        },
        15_000,
        250,
      );
      expect(all.generations.map((run) => run.workflowId)).toEqual([...ids].reverse());
      expect(all.generations.every((run) => run.price === 6 && run.taskId !== null)).toBe(true);
      const first = await listSora2Generations(client, { ...filters, limit: 2 });
      const second = await listSora2Generations(client, { ...filters, limit: 2, pageToken: first.nextPageToken! });
      expect([...first.generations, ...second.generations].map((run) => run.workflowId)).toEqual([...ids].reverse());
      expect(second.nextPageToken).toBeNull();
    } finally {
      await worker.kill('SIGTERM');
      await simulator.close();
    }
  }, 120_000);
});

test('the compose namespace script registers a new namespace (idempotently) that takes generations at once', async () => {
  const namespace = nextId('rivya-ns');
  const env = {
    PATH: `${join(temporalCli, '..')}:${process.env.PATH}`,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: state.temporalAddress,
    DEFAULT_NAMESPACE: namespace,
    HEALTH_RETRY_SECONDS: '1',
  };
  const first = await run('/bin/sh', [deployFile('create-namespace.sh')], { env, timeout: 120_000 });
  expect(first.stdout).toContain(
    `namespace ${namespace} ready with: RivyaTaskId=Keyword RivyaTaskStatus=Keyword RivyaModel=Keyword RivyaBatchId=Keyword RivyaAccount=Keyword`,
  );
  const again = await run('/bin/sh', [deployFile('create-namespace.sh')], { env, timeout: 120_000 });
  expect(again.stdout).toContain(`namespace ${namespace} ready`);

  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  expect(Object.keys(customAttributes ?? {}).sort()).toEqual(RIVYA_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
  // Right after registration, a generation that upserts all three completes (no "no mapping" race).
  const simulator = await startTestSimulator();
  const taskQueue = nextId('cluster-namespace');
  const worker = await startWorker(simulator, taskQueue, { TEMPORAL_NAMESPACE: namespace });
  try {
    const other = new Client({ connection, namespace });
    const handle = await startSora2Generation(other, generation('in a fresh namespace'), { workflowId: nextId('fresh-ns'), taskQueue });
    const result = await handle.result();
    expect((await handle.describe()).typedSearchAttributes.get(RIVYA_TASK_ID)).toBe(result.taskId);
  } finally {
    await worker.kill('SIGTERM');
    await simulator.close();
  }
}, 180_000);

test("worker versioning settings: the worker controller's variables, both or neither, PINNED by default", () => {
  expect(workerDeploymentFromEnv({})).toBeUndefined();
  expect(workerDeploymentFromEnv({ TEMPORAL_DEPLOYMENT_NAME: 'rivya', TEMPORAL_WORKER_BUILD_ID: 'abc' })).toEqual({
    version: { deploymentName: 'rivya', buildId: 'abc' },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  });
  expect(
    workerDeploymentFromEnv({
      TEMPORAL_DEPLOYMENT_NAME: 'r',
      TEMPORAL_WORKER_BUILD_ID: 'b',
      RIVYA_WORKER_VERSIONING_BEHAVIOR: 'auto_upgrade',
    })?.defaultVersioningBehavior,
  ).toBe('AUTO_UPGRADE');
  expect(() => workerDeploymentFromEnv({ TEMPORAL_DEPLOYMENT_NAME: 'rivya' })).toThrow(/TEMPORAL_WORKER_BUILD_ID is not set/);
  expect(() => workerDeploymentFromEnv({ TEMPORAL_WORKER_BUILD_ID: 'abc' })).toThrow(/TEMPORAL_DEPLOYMENT_NAME is not set/);
  expect(() =>
    workerDeploymentFromEnv({ TEMPORAL_DEPLOYMENT_NAME: 'r', TEMPORAL_WORKER_BUILD_ID: 'b', RIVYA_WORKER_VERSIONING_BEHAVIOR: 'x' }),
  ).toThrow(/PINNED or AUTO_UPGRADE/);
});

test('worker versioning: a second build deployed while generations run; pinned ones finish on their build', async () => {
  const simulator = await startTestSimulator();
  const taskQueue = nextId('cluster-versioning');
  const deploymentName = nextId('rivya-sora2-deployment');
  const versioned = (buildId: string) => ({ TEMPORAL_DEPLOYMENT_NAME: deploymentName, TEMPORAL_WORKER_BUILD_ID: buildId });
  // What the worker controller does on a rollout: make the new build current once its workers poll.
  const setCurrent = (buildId: string) =>
    waitFor(
      () =>
        run(temporalCli, [
          'worker',
          'deployment',
          'set-current-version',
          '--deployment-name',
          deploymentName,
          '--build-id',
          buildId,
          '--address',
          state.temporalAddress!,
          '--yes',
        ]).then(
          () => true,
          () => undefined,
        ),
      30_000,
      500,
    );
  const versionOf = async (workflowId: string) => {
    const info = (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.versioningInfo;
    return `${info?.behavior === temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED ? 'pinned' : info?.behavior} ${info?.deploymentVersion?.buildId}`;
  };
  const first = await startWorker(simulator, taskQueue, versioned('build-1'));
  let second: WorkerProcess | undefined;
  try {
    expect(first.output()).toContain(`deployment ${deploymentName} build build-1, PINNED`);
    await setCurrent('build-1');
    slowTask(simulator, 8_000);
    const inFlight = [nextId('versioned-old-1'), nextId('versioned-old-2')];
    for (const workflowId of inFlight) await startSora2Generation(client, generation('started on build 1'), { workflowId, taskQueue });
    await waitFor(() => (polls(simulator) >= 2 ? true : undefined), 30_000);

    second = await startWorker(simulator, taskQueue, versioned('build-2'));
    await setCurrent('build-2');
    // The rollout happened mid-flight: the first two are still polling on build 1.
    for (const id of inFlight) expect((await client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
    const fresh = nextId('versioned-new');
    await startSora2Generation(client, generation('started on build 2'), { workflowId: fresh, taskQueue });

    const results = await Promise.all([...inFlight, fresh].map((id) => client.workflow.getHandle(id).result()));
    for (const id of inFlight) expect(await versionOf(id)).toBe('pinned build-1');
    expect(await versionOf(fresh)).toBe('pinned build-2');
    const stats = simulator.stats();
    for (const id of [...inFlight, fresh]) expect(stats.tasksPerIdempotencyKey[id]).toBe(1);
    expect(results.every((r) => r.videoUrl.includes(r.taskId))).toBe(true);
  } finally {
    await second?.kill('SIGTERM');
    await first.kill('SIGTERM');
    await simulator.close();
  }
}, 180_000);

test('down, then up again on the same directory: the data is still there, the processes are new', async () => {
  const before = state.processes.map((p) => p.pid);
  const done = await client.workflow.count(`ExecutionStatus = 'Completed'`);
  await connection.close();
  expect(await rivyaCli('cluster', 'down', '--data-dir', dir)).toMatch(/cluster down: \d+ processes stopped/);
  for (const p of state.processes) expect(isRunning(p)).toBe(false);
  const status = await run(process.execPath, [cli, 'cluster', 'status', '--data-dir', dir]).catch(
    (err: { code: number; stdout: string }) => err,
  );
  expect((status as { code?: number }).code).toBe(3);

  const started = Date.now();
  await rivyaCli('cluster', 'up', '--data-dir', dir, '--port', '0', '--ui-port', '0', '--workers', '1');
  process.stderr.write(`warm cluster up (existing data): ${Date.now() - started} ms\n`);
  state = readClusterState(dir)!;
  expect(state.processes.map((p) => p.pid).some((pid) => before.includes(pid))).toBe(false);
  connection = await Connection.connect({ address: state.temporalAddress! });
  client = new Client({ connection, namespace: 'default' });
  expect((await client.workflow.count(`ExecutionStatus = 'Completed'`)).count).toBe(done.count);
}, 180_000);
