/**
 * `rivya-sora2 worker --metrics-port`: the packaged worker as its own process (the Runtime, which
 * serves the endpoint, can be installed once per process, and jest's processes already have one),
 * run against the real dev server and the simulator; the endpoint is scraped after a few
 * generations and every rivya_* metric is checked against what the simulator saw.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSora2Generation } from '../../src';
import { DETECTION_LATENCY_BUCKETS_S, RivyaMetrics } from '../../src/observability';
import type { RivyaSimulator } from '../../simulator/index';
import { cleanEnv, startCli, type LongRunning } from '../helpers/cli-process';
import { nextId } from '../helpers/ids';
import { freePort } from '../helpers/ports';
import { scrape, sumOf, type Sample } from '../helpers/prometheus';
import { startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';
import { FAST_POLLING } from '../helpers/stack';
import { startTestTemporal } from '../helpers/temporal-env';

const M = Object.fromEntries(Object.entries(RivyaMetrics).map(([key, metric]) => [key, metric.name])) as Record<
  keyof typeof RivyaMetrics,
  string
>;

let env: TestWorkflowEnvironment;
let simulator: RivyaSimulator;
let worker: LongRunning;
let metricsUrl: string;
const taskQueue = 'metrics-worker';

beforeAll(async () => {
  env = await startTestTemporal();
  simulator = await startTestSimulator();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = startCli(
    ['worker', '--metrics-port', String(port)],
    cleanEnv({ TEMPORAL_ADDRESS: env.address, RIVYA_API_KEY: TEST_API_KEY, RIVYA_BASE_URL: simulator.url, RIVYA_TASK_QUEUE: taskQueue }),
  );
  await waitFor(() => (worker.output().includes('polling task queue') ? true : undefined), 60_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}; worker output:\n${worker.output()}`);
  });
});

afterAll(async () => {
  await worker?.stop('SIGTERM');
  await simulator?.close();
  await env?.teardown();
});

test('the worker serves Prometheus metrics on --metrics-port, bound to loopback, and says where', async () => {
  expect(worker.output()).toContain(`metrics: ${metricsUrl} (Prometheus)`);
  const samples = await scrape(metricsUrl);
  // The SDK's own worker metrics are on the same endpoint (the dashboard charts this one).
  expect(samples.some((sample) => sample.name === 'temporal_worker_task_slots_used')).toBe(true);
  // Not on the machine's other addresses: RIVYA_METRICS_HOST widens it, nothing else.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && !address.internal && address.family === 'IPv4');
  if (!external) throw new Error('this check needs a non-loopback IPv4 address on the machine');
  const port = new URL(metricsUrl).port;
  await expect(fetch(`http://${external.address}:${port}/metrics`, { signal: AbortSignal.timeout(3_000) })).rejects.toThrow();
});

test('after a run: generations, credits, status checks, HTTP errors and detection latency match what Rivya saw', async () => {
  // The first create answers 503 public_api_disabled once; the activity's retry then creates the task.
  simulator.configure({ faults: { createGeneration: { script: ['unavailable'] } } });
  const succeededId = nextId('metrics-ok');
  const failedId = nextId('metrics-fail');
  const ok = await startSora2Generation(
    env.client,
    { prompt: '[sim:succeed] a lighthouse', polling: FAST_POLLING },
    { workflowId: succeededId, taskQueue },
  );
  const bad = await startSora2Generation(
    env.client,
    { prompt: '[sim:fail] a storm', polling: FAST_POLLING },
    { workflowId: failedId, taskQueue },
  );
  const result = await ok.result();
  await expect(bad.result()).rejects.toThrow();

  // Workflow metrics leave the worker after the workflow task completes: wait for the last one.
  let samples: Sample[] = [];
  await waitFor(
    async () => {
      samples = await scrape(metricsUrl);
      return sumOf(samples, M.generationsSucceeded) === 1 && sumOf(samples, M.generationsFailed) === 1 ? true : undefined;
    },
    15_000,
    200,
  );

  const stats = simulator.stats();
  const okTask = stats.tasks.find((task) => task.idempotencyKey === succeededId)!;
  const badTask = stats.tasks.find((task) => task.idempotencyKey === failedId)!;
  expect(okTask.status).toBe('succeeded');
  expect(badTask.status).toBe('failed');

  expect(sumOf(samples, M.generationsStarted)).toBe(2);
  expect(sumOf(samples, M.generationsSucceeded)).toBe(1);
  expect(sumOf(samples, M.generationsFailed, { failure_type: 'GenerationFailed' })).toBe(1);
  expect(sumOf(samples, M.creditsReserved)).toBe(okTask.reservedCredits + badTask.reservedCredits);
  expect(sumOf(samples, M.creditsSpent)).toBe(result.credits.final);
  expect(result.credits.final).toBeGreaterThan(0);
  expect(sumOf(samples, M.creditsRefunded)).toBe(badTask.reservedCredits);
  // Every status read but the failed run's one credit reconciliation is a status check.
  expect(sumOf(samples, M.statusChecks)).toBe(stats.counters.getGeneration!.requests - 1);
  expect(sumOf(samples, M.statusChecks)).toBeGreaterThanOrEqual(2);
  expect(sumOf(samples, M.httpErrors, { code: 'public_api_disabled', route: '/api/v1/generations' })).toBe(1);
  expect(sumOf(samples, M.httpErrors)).toBe(1);

  // The histogram: one observation per succeeded generation, in seconds, with the configured buckets.
  expect(sumOf(samples, `${M.detectionLatency}_count`, { completed_by: 'poll' })).toBe(1);
  const latency = sumOf(samples, `${M.detectionLatency}_sum`);
  expect(latency).toBeGreaterThanOrEqual(0);
  // Seconds, not milliseconds (a generous bound: under load detection can take a while).
  expect(latency).toBeLessThan(120);
  const buckets = samples.filter((sample) => sample.name === `${M.detectionLatency}_bucket`).map((sample) => sample.labels.le);
  expect(buckets).toEqual([...DETECTION_LATENCY_BUCKETS_S.map(String), '+Inf']);
});

test('rivya-sora2 webhooks serve --metrics-port: deliveries are counted by outcome', async () => {
  const metricsPort = await freePort();
  const receiver = startCli(
    ['webhooks', 'serve', '--port', '0', '--metrics-port', String(metricsPort)],
    cleanEnv({ TEMPORAL_ADDRESS: env.address, RIVYA_WEBHOOK_SECRETS: `whsec_${randomBytes(24).toString('base64')}` }),
  );
  try {
    const url = await waitFor(() => /webhook receiver on (\S+)/.exec(receiver.output())?.[1], 30_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${receiver.output()}`);
    });
    expect(receiver.output()).toContain(`metrics: http://127.0.0.1:${metricsPort}/metrics (Prometheus)`);
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"evt_1"}' });
    expect(unsigned.status).toBe(401);
    const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    const samples = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(sumOf(samples, M.webhookEvents, { outcome: 'bad-signature' })).toBe(1);
    expect(sumOf(samples, M.webhookEvents, { outcome: 'wrong-content-type' })).toBe(1);
    expect(sumOf(samples, M.webhookEvents)).toBe(2);
  } finally {
    await receiver.stop('SIGTERM');
  }
});

test('the Grafana dashboard parses and charts only metrics the code defines', () => {
  const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', 'deploy', 'grafana', 'rivya-sora2-dashboard.json'), 'utf8')) as {
    title: string;
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  expect(dashboard.title).toMatch(/rivya/i);
  const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  expect(exprs.length).toBeGreaterThanOrEqual(6);
  const known = new Set(Object.values(M));
  const used = new Set([...exprs.join(' ').matchAll(/\b(rivya_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map((match) => match[1]!));
  for (const name of used) expect(known).toContain(name);
  // Every metric the code emits has a panel.
  for (const name of known) expect(used).toContain(name);
});
