/**
 * Tracing end to end: a worker with the plugin's `tracing` option against the real dev server and
 * the simulator, spans exported over OTLP/HTTP to a receiver on loopback. One generation must
 * arrive as one trace parented start → workflow → create activity → HTTP POST, with the Rivya
 * attributes on the HTTP spans and neither the API key nor the prompt anywhere in what was sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startSora2Generation, Sora2Plugin } from '../../src';
import {
  startTracing,
  tracingSettingsFromEnv,
  DEFAULT_OTLP_TRACES_URL,
  TracingConfigError,
  type RivyaTracing,
} from '../../src/observability';
import { cleanEnv, startCli } from '../helpers/cli-process';
import { encodingOf, payloadsIn } from '../helpers/histories';
import { nextId } from '../helpers/ids';
import { freePort } from '../helpers/ports';
import { scrape, sumOf } from '../helpers/prometheus';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { TEST_API_KEY, waitFor } from '../helpers/simulator';
import { FAST_POLLING, startTestStack, type TestStack } from '../helpers/stack';

let receiver: OtlpReceiver;
let tracing: RivyaTracing;
let stack: TestStack;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const settings = tracingSettingsFromEnv({
    RIVYA_TRACING: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl,
    OTEL_SERVICE_NAME: 'rivya-sora2-tracing-test',
  })!;
  tracing = startTracing(settings);
  stack = await startTestStack({ plugin: { tracing: tracing.pluginOptions } });
});

afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
  await receiver?.close();
});

function only(spans: ReceivedSpan[], predicate: (span: ReceivedSpan) => boolean, what: string): ReceivedSpan {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((span) => span.name).join(', ')}`);
  return found[0]!;
}

test('one generation is one trace: start → workflow → create activity → HTTP POST, each the parent of the next', async () => {
  const prompt = '[sim:succeed] a heron standing in fog, traced';
  // The client's interceptors come from the same plugin: a client-only use needs no API key.
  const client = new Client({ connection: stack.env.connection, plugins: [new Sora2Plugin({ tracing: tracing.pluginOptions })] });
  const workflowId = nextId('traced');
  const handle = await startSora2Generation(client, { prompt, polling: FAST_POLLING }, { workflowId, taskQueue: stack.taskQueue });
  const result = await handle.result();

  const mine = () =>
    receiver.spans.filter((span) => span.attributes.temporalWorkflowId === workflowId || span.name.startsWith('StartWorkflow'));
  // Workflow spans reach the exporter through a sink after the workflow task: flush until the last arrived.
  await waitFor(
    async () => {
      await tracing.pluginOptions.spanProcessor.forceFlush();
      return receiver.spans.some((span) => span.name === 'RunWorkflow:sora2Generation') &&
        receiver.spans.some((span) => span.name.startsWith('GET /api/v1/generations/'))
        ? true
        : undefined;
    },
    15_000,
    200,
  );

  const start = only(mine(), (span) => span.name === 'StartWorkflow:sora2Generation', 'start span');
  const trace = receiver.spans.filter((span) => span.traceId === start.traceId);
  const run = only(trace, (span) => span.name === 'RunWorkflow:sora2Generation', 'workflow span');
  const schedule = only(trace, (span) => span.name === 'StartActivity:rivyaCreateGeneration', 'create-activity schedule span');
  const execute = only(trace, (span) => span.name === 'RunActivity:rivyaCreateGeneration', 'create-activity span');
  const post = only(trace, (span) => span.name === 'POST /api/v1/generations', 'HTTP POST span');

  expect(start.parentSpanId).toBeUndefined();
  expect(run.parentSpanId).toBe(start.spanId);
  expect(schedule.parentSpanId).toBe(run.spanId);
  expect(execute.parentSpanId).toBe(schedule.spanId);
  expect(post.parentSpanId).toBe(execute.spanId);
  expect(execute.attributes.temporalWorkflowId).toBe(workflowId);

  // The HTTP span: method, route, status, Rivya's request id, the attempt; client kind (3).
  expect(post.kind).toBe(3);
  expect(post.attributes['http.method']).toBe('POST');
  expect(post.attributes['http.route']).toBe('/api/v1/generations');
  expect(post.attributes['http.status_code']).toBeGreaterThanOrEqual(200);
  expect(post.attributes['http.status_code']).toBeLessThan(300);
  expect(post.attributes['rivya.request_id']).toMatch(/^req_/);
  expect(post.attributes['rivya.retry_attempt']).toBe(1);
  expect(post.service).toBe('rivya-sora2-tracing-test');

  // Status checks are in the same trace, their route a template (no task id in it).
  const checks = trace.filter((span) => span.name === 'GET /api/v1/generations/{id}');
  expect(checks.length).toBeGreaterThanOrEqual(1);
  for (const check of checks) {
    expect(check.attributes['http.route']).toBe('/api/v1/generations/{id}');
    expect(check.parentSpanId).toBe(
      trace.find((span) => span.spanId === check.parentSpanId && span.name.startsWith('RunActivity:'))?.spanId,
    );
    expect(JSON.stringify(check)).not.toContain(result.taskId);
  }

  // Every worker-side span of this generation is in this one trace (the client's later calls, such
  // as the describe behind result(), are traces of their own).
  const workerSide = receiver.spans.filter(
    (span) =>
      /^(RunWorkflow|StartActivity|RunActivity):/.test(span.name) &&
      (span.attributes.temporalWorkflowId === workflowId || span.attributes.workflowId === workflowId),
  );
  expect(workerSide.length).toBeGreaterThanOrEqual(5);
  expect(workerSide.filter((span) => span.traceId !== start.traceId)).toEqual([]);

  // Nothing secret or personal left the worker.
  const sent = receiver.rawBodies.join('\n');
  expect(sent).not.toContain(TEST_API_KEY);
  expect(sent).not.toContain('heron standing in fog');
});

test('a failed Rivya call is an error span with its code, and still no key or prompt', async () => {
  stack.simulator.configure({ faults: { createGeneration: { script: ['unavailable'] } } });
  const client = new Client({ connection: stack.env.connection, plugins: [new Sora2Plugin({ tracing: tracing.pluginOptions })] });
  const workflowId = nextId('traced-retry');
  const handle = await startSora2Generation(
    client,
    { prompt: '[sim:succeed] a kettle whistling, retried', polling: FAST_POLLING },
    { workflowId, taskQueue: stack.taskQueue },
  );
  await handle.result();
  await waitFor(
    async () => {
      await tracing.pluginOptions.spanProcessor.forceFlush();
      return receiver.spans.filter((span) => span.name === 'POST /api/v1/generations' && span.attributes['rivya.retry_attempt'] === 2)
        .length >= 1
        ? true
        : undefined;
    },
    15_000,
    200,
  );
  const start = only(
    receiver.spans,
    (span) =>
      span.name === 'StartWorkflow:sora2Generation' &&
      receiver.spans.some((other) => other.traceId === span.traceId && other.attributes.temporalWorkflowId === workflowId),
    'start span',
  );
  const posts = receiver.spans.filter((span) => span.traceId === start.traceId && span.name === 'POST /api/v1/generations');
  const failed = only(posts, (span) => span.attributes['rivya.retry_attempt'] === 1, 'first POST');
  const retried = only(posts, (span) => span.attributes['rivya.retry_attempt'] === 2, 'retried POST');
  expect(failed.attributes['http.status_code']).toBe(503);
  expect(failed.attributes['error.type']).toBe('public_api_disabled');
  expect(failed.attributes['rivya.request_id']).toMatch(/^req_/);
  expect(retried.attributes['error.type']).toBeUndefined();
  // Each attempt is its own activity span, parent of its own POST.
  expect(failed.parentSpanId).not.toBe(retried.parentSpanId);
  const sent = receiver.rawBodies.join('\n');
  expect(sent).not.toContain(TEST_API_KEY);
  expect(sent).not.toContain('kettle whistling');
});

test("rivya-sora2 worker --tracing: the packaged worker process continues the client's trace (workflow, activity, HTTP POST)", async () => {
  const taskQueue = `traced-worker-${process.pid}`;
  const worker = startCli(
    ['worker', '--tracing'],
    cleanEnv({
      TEMPORAL_ADDRESS: stack.env.address,
      RIVYA_API_KEY: TEST_API_KEY,
      RIVYA_BASE_URL: stack.simulator.url,
      RIVYA_TASK_QUEUE: taskQueue,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl,
      OTEL_SERVICE_NAME: 'rivya-sora2-worker-test',
    }),
  );
  try {
    await waitFor(() => (worker.output().includes('polling task queue') ? true : undefined), 60_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}; worker output:\n${worker.output()}`, { cause: err });
    });
    const client = new Client({ connection: stack.env.connection, plugins: [new Sora2Plugin({ tracing: tracing.pluginOptions })] });
    const workflowId = nextId('traced-worker');
    const handle = await startSora2Generation(
      client,
      { prompt: '[sim:succeed] a kingfisher on a reed, traced by the worker', polling: FAST_POLLING },
      { workflowId, taskQueue },
    );
    await handle.result();
    await tracing.pluginOptions.spanProcessor.forceFlush();
    // SIGTERM: the worker drains and sends its last spans on the way out.
    expect(await worker.stop('SIGTERM')).toBe(0);

    const trace = expectParentedGeneration(receiver.spans, workflowId);
    const byName = (name: string) => trace.find((span) => span.name === name)!;
    expect(byName('StartWorkflow:sora2Generation').service).toBe('rivya-sora2-tracing-test');
    for (const name of ['RunWorkflow:sora2Generation', 'RunActivity:rivyaCreateGeneration', 'POST /api/v1/generations'])
      expect({ name, service: byName(name).service }).toEqual({ name, service: 'rivya-sora2-worker-test' });
    expect(receiver.rawBodies.join('\n')).not.toContain('kingfisher on a reed');
  } finally {
    await worker.stop('SIGKILL');
  }
}, 120_000);

describe('tracing settings from the environment', () => {
  test('off by default, and off with RIVYA_TRACING=off even with an endpoint', () => {
    expect(tracingSettingsFromEnv({})).toBeUndefined();
    expect(tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
    expect(tracingSettingsFromEnv({ RIVYA_TRACING: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBeUndefined();
  });

  test('the OTLP spec: the traces endpoint as is, else the base endpoint + /v1/traces, else the local default', () => {
    expect(tracingSettingsFromEnv({ RIVYA_TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'rivya-sora2',
    });
    expect(
      tracingSettingsFromEnv({
        RIVYA_TRACING: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest',
        OTEL_SERVICE_NAME: 'video-worker',
      }),
    ).toEqual({ url: 'https://traces.example/ingest', serviceName: 'video-worker' });
    // The --tracing flag turns it on without the variable.
    expect(tracingSettingsFromEnv({}, true)?.url).toBe(DEFAULT_OTLP_TRACES_URL);
  });

  test('a mistyped switch or a non-HTTP endpoint is refused, not silently ignored', () => {
    expect(() => tracingSettingsFromEnv({ RIVYA_TRACING: 'yes' })).toThrow(TracingConfigError);
    expect(() => tracingSettingsFromEnv({ RIVYA_TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(
      TracingConfigError,
    );
    expect(() => tracingSettingsFromEnv({ RIVYA_TRACING: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow(
      TracingConfigError,
    );
  });
});

/** The spans of one generation's trace, found from its workflow span, with the chain checked. */
function expectParentedGeneration(spans: ReceivedSpan[], workflowId: string): ReceivedSpan[] {
  const run = only(
    spans,
    (span) => span.name === 'RunWorkflow:sora2Generation' && span.attributes.workflowId === workflowId,
    'workflow span',
  );
  const trace = spans.filter((span) => span.traceId === run.traceId);
  const start = only(trace, (span) => span.name === 'StartWorkflow:sora2Generation', 'start span');
  const schedule = only(trace, (span) => span.name === 'StartActivity:rivyaCreateGeneration', 'create-activity schedule span');
  const execute = only(trace, (span) => span.name === 'RunActivity:rivyaCreateGeneration', 'create-activity span');
  const post = only(trace, (span) => span.name === 'POST /api/v1/generations', 'HTTP POST span');
  expect([run.parentSpanId, schedule.parentSpanId, execute.parentSpanId, post.parentSpanId]).toEqual([
    start.spanId,
    run.spanId,
    schedule.spanId,
    execute.spanId,
  ]);
  return trace;
}

test('rivya-sora2 dev --tracing --metrics-port --encrypt: the local run traces its generation, serves its metrics (webhooks included) and stores no readable payload', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rivya-dev-observed-'));
  const metricsPort = await freePort();
  const codecPort = await freePort();
  const dev = startCli(
    [
      'dev',
      '--port',
      '0',
      '--ui-port',
      '0',
      '--tracing',
      '--metrics-port',
      String(metricsPort),
      '--encrypt',
      '--codec-port',
      String(codecPort),
    ],
    cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.baseUrl, OTEL_SERVICE_NAME: 'rivya-sora2-dev-test' }),
    cwd,
  );
  try {
    await waitFor(() => (dev.output().includes('Ctrl-C stops everything') ? true : undefined), 120_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}\n${dev.output()}`);
    });
    const output = dev.output();
    expect(output).toContain(`Tracing: spans to ${receiver.tracesUrl} (OTLP/HTTP, service rivya-sora2-dev-test)`);
    expect(output).toContain(`Prometheus metrics: http://127.0.0.1:${metricsPort}/metrics`);
    const workflowId = /First generation: (\S+)/.exec(output)![1]!;
    const completedBy = /completed by (webhook|poll)/.exec(output)![1]!;

    const samples = await waitFor(
      async () => {
        const scraped = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
        return sumOf(scraped, 'rivya_generations_succeeded') === 1 ? scraped : undefined;
      },
      15_000,
      200,
    );
    expect(sumOf(samples, 'rivya_generations_started')).toBe(1);
    expect(sumOf(samples, 'rivya_detection_latency_count', { completed_by: completedBy })).toBe(1);
    // The simulator delivers the task's terminal event to the run's receiver, signed: it is counted by outcome.
    await waitFor(
      async () =>
        sumOf(await scrape(`http://127.0.0.1:${metricsPort}/metrics`), 'rivya_webhook_events', { outcome: 'signalled' }) >= 1
          ? true
          : undefined,
      15_000,
      200,
    );

    // The three flags at once: the history on the server holds the generation's prompt only encrypted.
    expect(output).toContain('Encryption: on (AES-256-GCM');
    const plainClient = new Client({ connection: await Connection.connect({ address: /Temporal dev server: (\S+)/.exec(output)![1]! }) });
    try {
      const payloads = payloadsIn((await plainClient.workflow.getHandle(workflowId).fetchHistory()).events);
      expect(payloads.length).toBeGreaterThan(0);
      // Search attributes, patch markers and the trace context in headers are not codec-encoded (by design).
      const notEncrypted = payloads.filter(
        ({ path, payload }) => !/searchAttributes|patch-data|header/.test(path) && encodingOf(payload) !== 'binary/encrypted',
      );
      expect(notEncrypted.map(({ path }) => path)).toEqual([]);
      for (const { payload } of payloads) expect(Buffer.from(payload.data ?? []).toString()).not.toContain('paper boat');
    } finally {
      await plainClient.connection.close();
    }

    // Ctrl-C: the run stops cleanly and sends its last spans on the way out.
    expect(await dev.stop('SIGINT')).toBe(0);
    const fromDev = receiver.spans.filter((span) => span.service === 'rivya-sora2-dev-test');
    expectParentedGeneration(fromDev, workflowId);
    expect(receiver.rawBodies.join('\n')).not.toContain('A paper boat drifting');
  } finally {
    await dev.stop('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  }
}, 180_000);
