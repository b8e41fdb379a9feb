/**
 * Durability: a SIGKILLed worker, a restarted dev server (SQLite file), continue-as-new under a
 * lowered threshold, and replay of recorded histories — one task per workflow id throughout, and
 * the API key in none of the histories.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { startSora2Generation, type Sora2GenerationInput } from '../../src';
import type { RivyaSimulator } from '../../simulator/index';
import { fetchAllRuns, eventCount, type RecordedRun } from '../helpers/histories';
import { startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';
import { FAST_POLLING, startTestStack } from '../helpers/stack';
import { startTestTemporal } from '../helpers/temporal-env';
import { spawnWorkerProcess } from '../../tools/testing/worker-process';
import { freePort } from '../helpers/ports';
import { nextId } from '../helpers/ids';

// Histories are stored in the wire encoding (.binpb): exact, compact, and what the server sends.
const HistoryProto = temporal.api.history.v1.History;
const encodeHistory = (history: temporal.api.history.v1.IHistory) => Buffer.from(HistoryProto.encode(history).finish());

const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');
const recorded: RecordedRun[] = [];

const slowTask = (simulator: RivyaSimulator, ms: number) =>
  simulator.configure({ timing: { queuedMs: [ms / 4, ms / 4], processingMs: { default: [(3 * ms) / 4, (3 * ms) / 4] } } });

const generation = (prompt: string): Sora2GenerationInput => ({ prompt: `[sim:succeed] ${prompt}`, polling: FAST_POLLING });

test('a worker SIGKILLed mid-poll: a new worker finishes the generation, one task', async () => {
  const env = await startTestTemporal();
  const simulator = await startTestSimulator();
  const taskQueue = 'durability-kill';
  try {
    slowTask(simulator, 8_000);
    let worker = await spawnWorkerProcess({ temporalAddress: env.address, taskQueue, rivyaBaseUrl: simulator.url, apiKey: TEST_API_KEY });
    const workflowId = nextId('killed');
    const handle = await startSora2Generation(env.client, generation('survive a crash'), { workflowId, taskQueue });
    await waitFor(() => ((simulator.stats().counters.getGeneration?.requests ?? 0) >= 2 ? true : undefined), 20_000);
    await worker.kill('SIGKILL');
    const pollsBeforeRestart = simulator.stats().counters.getGeneration!.requests;
    expect((await handle.describe()).status.name).toBe('RUNNING');

    worker = await spawnWorkerProcess({ temporalAddress: env.address, taskQueue, rivyaBaseUrl: simulator.url, apiKey: TEST_API_KEY });
    try {
      const result = await handle.result();
      const stats = simulator.stats();
      expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
      expect(stats.counters.createGeneration!.requests).toBe(1);
      expect(result.taskId).toBe(stats.tasks[0]!.id);
      expect(stats.counters.getGeneration!.requests).toBeGreaterThan(pollsBeforeRestart);
      recorded.push(...(await fetchAllRuns(env.client, workflowId)));
    } finally {
      await worker.kill('SIGTERM');
    }
  } finally {
    await simulator.close();
    await env.teardown();
  }
});

test('the dev server restarted mid-poll (SQLite file): the generation completes, one task', async () => {
  const dbFilename = join(mkdtempSync(join(tmpdir(), 'temporal-db-')), 'temporal.db');
  const port = await freePort();
  let env = await startTestTemporal({ dbFilename, port });
  const simulator = await startTestSimulator();
  const taskQueue = 'durability-server-restart';
  const worker = await spawnWorkerProcess({ temporalAddress: env.address, taskQueue, rivyaBaseUrl: simulator.url, apiKey: TEST_API_KEY });
  try {
    slowTask(simulator, 10_000);
    const workflowId = nextId('server-restart');
    await startSora2Generation(env.client, generation('survive a server restart'), { workflowId, taskQueue });
    await waitFor(() => ((simulator.stats().counters.getGeneration?.requests ?? 0) >= 1 ? true : undefined), 20_000);
    await env.teardown();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    env = await startTestTemporal({ dbFilename, port });

    const result = await env.client.workflow.getHandle(workflowId).result();
    const stats = simulator.stats();
    expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
    expect(result.taskId).toBe(stats.tasks[0]!.id);
    expect(result.videoUrl).toContain(result.taskId);
    recorded.push(...(await fetchAllRuns(env.client, workflowId)));
  } finally {
    await worker.kill('SIGTERM');
    await simulator.close();
    await env.teardown();
  }
});

test('continue-as-new under a lowered threshold carries all state and completes', async () => {
  const stack = await startTestStack({ temporal: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } } });
  try {
    slowTask(stack.simulator, 6_000);
    const workflowId = nextId('continue-as-new');
    const handle = await startSora2Generation(
      stack.env.client,
      {
        prompt: '[sim:succeed] a long one',
        // The timer form: a history event per check is what reaches the lowered threshold.
        polling: { style: 'timer', firstCheckAfterMs: 100, minIntervalMs: 100, maxIntervalMs: 150, expectedDurationMs: 100 },
      },
      { workflowId, taskQueue: stack.taskQueue },
    );
    const result = await handle.result();
    const stats = stack.simulator.stats();
    expect(result.continuedAsNew).toBeGreaterThanOrEqual(1);
    expect(stats.tasksPerIdempotencyKey[workflowId]).toBe(1);
    expect(stats.counters.createGeneration!.requests).toBe(1);
    // Poll count and timings survive each continue-as-new.
    expect(result.polls).toBe(stats.counters.getGeneration!.requests);
    expect(result.timings.sinceTaskCreatedMs).toBeGreaterThanOrEqual(5_000);
    const runs = await waitFor(async () => {
      const all = await fetchAllRuns(stack.env.client, workflowId);
      return all.length === result.continuedAsNew + 1 ? all : undefined;
    });
    for (const run of runs) expect(eventCount(run)).toBeLessThan(120);
    recorded.push(...runs);
  } finally {
    await stack.stop();
  }
});

async function replayAll(histories: Array<{ workflowId: string; history: temporal.api.history.v1.IHistory }>): Promise<void> {
  // Scan the wire encoding: payloads are bytes, and the key would appear in them verbatim.
  for (const { history } of histories) {
    const bytes = encodeHistory(history);
    expect(bytes.includes(Buffer.from(TEST_API_KEY))).toBe(false);
    expect(bytes.includes(Buffer.from('rvya_sk_'))).toBe(false);
  }
  const results = Worker.runReplayHistories({ workflowsPath: require.resolve('../fixtures/workflows') }, histories);
  let replayed = 0;
  for await (const result of results) {
    expect(result.error).toBeUndefined();
    replayed += 1;
  }
  expect(replayed).toBe(histories.length);
}

test("this run's histories (crash, restart, continue-as-new, failure) replay and hold no API key", async () => {
  const stack = await startTestStack({ activities: { async releaseQuota() {} } });
  try {
    const failing = nextId('replay-failed');
    const handle = await startSora2Generation(
      stack.env.client,
      { prompt: '[sim:fail] replay me', polling: FAST_POLLING, compensations: [{ activity: 'releaseQuota', args: [] }] },
      { workflowId: failing, taskQueue: stack.taskQueue },
    );
    await handle.result().catch(() => undefined);
    recorded.push(...(await fetchAllRuns(stack.env.client, failing)));
  } finally {
    await stack.stop();
  }
  // RECORD_HISTORIES=1 refreshes the committed fixtures, which guard determinism across changes.
  if (process.env.RECORD_HISTORIES === '1') {
    mkdirSync(HISTORY_FIXTURES, { recursive: true });
    for (const run of recorded) {
      const name = run.workflowId.replace(/-\d+-\d+$/, '');
      writeFileSync(join(HISTORY_FIXTURES, `${name}-${run.runId.slice(-6)}.binpb`), encodeHistory(run.history));
    }
  }
  await replayAll(recorded.map((run) => ({ workflowId: run.workflowId, history: run.history })));
});

test('committed histories from earlier versions still replay (determinism guard)', async () => {
  const committed = readdirSync(HISTORY_FIXTURES)
    .filter((file) => file.endsWith('.binpb'))
    .map((file) => ({ workflowId: file, history: HistoryProto.decode(readFileSync(join(HISTORY_FIXTURES, file))) }));
  expect(committed.length).toBeGreaterThanOrEqual(4);
  await replayAll(committed);
});
