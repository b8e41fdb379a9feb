/**
 * Another team calls a generation over Nexus, on the real dev server: namespace `default` runs our
 * worker (sora2Generation + the Nexus handler from the plugin), namespace `nexus-caller` runs the
 * caller's workflows; endpoints created through the operator API route between them.
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { getClient } from '@temporalio/nexus';
import { HandlerError, serviceHandler, type StartOperationContext } from 'nexus-rpc';
import { FailureTypes, SORA2_INPUT_HASH_MEMO_KEY, Sora2Plugin, type GenerationFailureDetails, type Sora2GenerationInput } from '../../src';
import { createGenerateOperationHandler, createSora2NexusServiceHandler, nexusGenerationWorkflowId } from '../../src/entry/nexus';
import {
  NexusFailureTypes,
  SORA2_NEXUS_SERVICE_NAME,
  sora2NexusService,
  type Sora2NexusGenerateInput,
} from '../../src/entry/nexus-workflow';
import type { RivyaSimulator } from '../../simulator/index';
import { savedFileName } from '../../src/contract/save-target';
import { cancelCallSignal, generateOverNexus, type CallerOutcome, type FailureLink } from '../fixtures/nexus-caller-workflows';
import { FAST_POLLING } from '../helpers/stack';
import { startTestSimulator, TEST_API_KEY, waitFor } from '../helpers/simulator';
import { startTestTemporal } from '../helpers/temporal-env';
import { nextId } from '../helpers/ids';

const HANDLER_NAMESPACE = 'default';
const CALLER_NAMESPACE = 'nexus-caller';
const HANDLER_QUEUE = 'sora2-nexus-handler';
const LOSSY_QUEUE = 'sora2-nexus-lossy';
const CALLER_QUEUE = 'nexus-caller';
const ENDPOINT = 'rivya-sora2';
const LOSSY_ENDPOINT = 'rivya-sora2-lossy';
/** An endpoint whose handler saves every video (its saveTo option); the generations run on HANDLER_QUEUE. */
const SAVING_QUEUE = 'sora2-nexus-saving';
const SAVING_ENDPOINT = 'rivya-sora2-saving';
const saveRoot = realpathSync(mkdtempSync(join(tmpdir(), 'rivya-nexus-save-')));

let env: TestWorkflowEnvironment;
let simulator: RivyaSimulator;
let callerClient: Client;
const workers: Array<{ worker: Worker; running: Promise<void> }> = [];
/** Every start the lossy handler saw: its request id and whether it answered (the first does not). */
const lossyStarts: Array<{ requestId: string; workflowId: string; runningBefore: boolean }> = [];

/** A handler whose first answer is lost: it starts the generation, then fails retryably, as a dropped response would. */
function lossyServiceHandler() {
  const real = createGenerateOperationHandler({ taskQueue: HANDLER_QUEUE });
  return serviceHandler(sora2NexusService, {
    generate: {
      async start(ctx: StartOperationContext, input: Sora2NexusGenerateInput) {
        const workflowId = nexusGenerationWorkflowId({ requestId: ctx.requestId });
        const runningBefore = await getClient()
          .workflow.getHandle(workflowId)
          .describe()
          .then((d) => d.status.name === 'RUNNING')
          .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)));
        const answer = await real.start(ctx, input);
        lossyStarts.push({ requestId: ctx.requestId, workflowId, runningBefore });
        if (lossyStarts.length === 1) throw new HandlerError('INTERNAL', 'response lost (test)', { retryableOverride: true });
        return answer;
      },
      cancel: (ctx, token) => real.cancel(ctx, token),
    },
  });
}

async function startWorker(create: () => Promise<Worker>): Promise<void> {
  // A namespace just registered is unknown to the frontend's cache for a moment: retry briefly.
  const worker = await waitFor(() => create().catch(() => undefined), 30_000, 500);
  workers.push({ worker, running: worker.run() });
}

beforeAll(async () => {
  env = await startTestTemporal();
  simulator = await startTestSimulator();
  const { workflowService, operatorService } = env.connection;
  await workflowService.registerNamespace({ namespace: CALLER_NAMESPACE, workflowExecutionRetentionPeriod: msToTs('1 day') });
  await waitFor(() => workflowService.describeNamespace({ namespace: CALLER_NAMESPACE }).catch(() => undefined), 30_000, 200);
  for (const [name, taskQueue] of [
    [ENDPOINT, HANDLER_QUEUE],
    [LOSSY_ENDPOINT, LOSSY_QUEUE],
    [SAVING_ENDPOINT, SAVING_QUEUE],
  ]) {
    await operatorService.createNexusEndpoint({ spec: { name, target: { worker: { namespace: HANDLER_NAMESPACE, taskQueue } } } });
  }
  await startWorker(() =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: HANDLER_NAMESPACE,
      taskQueue: HANDLER_QUEUE,
      workflowsPath: require.resolve('../fixtures/workflows'),
      plugins: [
        new Sora2Plugin({
          apiKey: TEST_API_KEY,
          baseUrl: simulator.url,
          nexus: true,
          // The simulator's result URLs are plain http on loopback.
          saveDirectory: saveRoot,
          referenceUrlPolicy: { allowHttp: true, allowPrivateNetworks: true },
        }),
      ],
    }),
  );
  // Nexus only: the generations it starts run on HANDLER_QUEUE (the handler's taskQueue option).
  await startWorker(() =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: HANDLER_NAMESPACE,
      taskQueue: LOSSY_QUEUE,
      nexusServices: [lossyServiceHandler()],
    }),
  );
  await startWorker(() =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: HANDLER_NAMESPACE,
      taskQueue: SAVING_QUEUE,
      nexusServices: [createSora2NexusServiceHandler({ taskQueue: HANDLER_QUEUE, saveTo: 'nexus-videos' })],
    }),
  );
  await startWorker(() =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: CALLER_NAMESPACE,
      taskQueue: CALLER_QUEUE,
      workflowsPath: require.resolve('../fixtures/nexus-caller-workflows'),
    }),
  );
  callerClient = new Client({ connection: env.connection, namespace: CALLER_NAMESPACE });
});

afterAll(async () => {
  for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.all(workers.map(({ running }) => running.catch(() => undefined)));
  await simulator?.close();
  await env?.teardown();
  rmSync(saveRoot, { recursive: true, force: true });
});

beforeEach(() => {
  simulator.reset();
});

const generation = (prompt: string, extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt,
  polling: FAST_POLLING,
  ...extra,
});
const slow = (ms: number) => simulator.configure({ timing: { queuedMs: [100, 100], processingMs: { default: [ms, ms] } } });
const creates = () => simulator.stats().counters.createGeneration?.requests ?? 0;

async function startCaller(input: Sora2NexusGenerateInput, endpoint = ENDPOINT) {
  return callerClient.workflow.start(generateOverNexus, { args: [endpoint, input], taskQueue: CALLER_QUEUE, workflowId: nextId('caller') });
}

/** The request id the caller's server gave the operation (its NexusOperationScheduled event). */
async function requestIdOf(callerWorkflowId: string): Promise<string> {
  const history = await callerClient.workflow.getHandle(callerWorkflowId).fetchHistory();
  const scheduled = history.events?.find((event) => event.nexusOperationScheduledEventAttributes);
  const requestId = scheduled?.nexusOperationScheduledEventAttributes?.requestId;
  if (!requestId) throw new Error(`no NexusOperationScheduled event in ${callerWorkflowId}`);
  return requestId;
}

function failedChain(outcome: CallerOutcome): FailureLink[] {
  if (outcome.outcome !== 'failed') throw new Error(`expected the call to fail, it returned task ${outcome.result.taskId}`);
  return outcome.chain;
}

/**
 * A refused start as the caller receives it: the operation's failure, the handler error (the
 * caller's server wraps the handler's own in one more of the same type), then the typed cause.
 */
function expectRefused(chain: FailureLink[], type: string): void {
  expect(chain[0]!.kind).toBe('NexusOperationFailure');
  const handlerErrors = chain.slice(1, -1);
  expect(handlerErrors.length).toBeGreaterThanOrEqual(1);
  expect(handlerErrors.map((link) => [link.kind, link.type])).toEqual(handlerErrors.map(() => ['HandlerError', 'BAD_REQUEST']));
  expect(chain.at(-1)).toMatchObject({ kind: 'ApplicationFailure', type });
}

describe('Sora2Plugin nexus option', () => {
  const plugin = (nexus?: boolean) => new Sora2Plugin({ apiKey: TEST_API_KEY, nexus });
  test('off by default; `nexus: true` registers the rivya-sora2 service', () => {
    expect(plugin().configureWorker({ taskQueue: 'q' }).nexusServices).toBeUndefined();
    expect(plugin(false).configureWorker({ taskQueue: 'q' }).nexusServices).toBeUndefined();
    const services = plugin(true).configureWorker({ taskQueue: 'q' }).nexusServices!;
    expect(services.map((service) => service.definition.name)).toEqual([SORA2_NEXUS_SERVICE_NAME]);
    expect(Object.keys(services[0]!.definition.operations)).toEqual(['generate']);
  });
});

describe('calling generate from another namespace', () => {
  test('the caller gets the result (task id, video URL); the workflow id is derived from the request id', async () => {
    const caller = await startCaller({ generation: generation('[sim:succeed] a kite over the dunes') });
    const outcome = await caller.result();
    if (outcome.outcome !== 'succeeded') throw new Error(`call failed: ${JSON.stringify(outcome.chain)}`);
    const { tasks, tasksPerIdempotencyKey } = simulator.stats();
    expect(tasks).toHaveLength(1);
    expect(outcome.result.taskId).toBe(tasks[0]!.id);
    expect(outcome.result.videoUrl).toMatch(/^https?:\/\/.+/);
    expect(outcome.result.workflowId).toBe(nexusGenerationWorkflowId({ requestId: await requestIdOf(caller.workflowId) }));
    expect(tasksPerIdempotencyKey[outcome.result.workflowId]).toBe(1);
    const run = await env.client.workflow.getHandle(outcome.result.workflowId).describe();
    expect(run.status.name).toBe('COMPLETED');
    expect(run.taskQueue).toBe(HANDLER_QUEUE);
    expect(typeof run.memo?.[SORA2_INPUT_HASH_MEMO_KEY]).toBe('string');
  });

  test('a start whose answer was lost is retried with the same request id and attaches: one Rivya task', async () => {
    slow(3_000);
    lossyStarts.length = 0;
    const caller = await startCaller({ generation: generation('[sim:succeed] a lighthouse at dusk') }, LOSSY_ENDPOINT);
    const outcome = await caller.result();
    if (outcome.outcome !== 'succeeded') throw new Error(`call failed: ${JSON.stringify(outcome.chain)}`);
    expect(lossyStarts.length).toBeGreaterThanOrEqual(2);
    const requestId = await requestIdOf(caller.workflowId);
    expect(lossyStarts.map((start) => start.requestId)).toEqual(lossyStarts.map(() => requestId));
    // The retry found the generation the lost answer had started, still running: it attached to it.
    expect(lossyStarts[0]!.runningBefore).toBe(false);
    expect(lossyStarts[1]!.runningBefore).toBe(true);
    expect(outcome.result.workflowId).toBe(lossyStarts[0]!.workflowId);
    expect(creates()).toBe(1);
    expect(simulator.stats().tasks.map((task) => task.id)).toEqual([outcome.result.taskId]);
  });

  test('one generationId, two calls (two request ids): one generation; the key refuses other input and a second run', async () => {
    slow(2_000);
    const generationId = nextId('order-4711');
    const input = { generationId, generation: generation('[sim:succeed] a red bicycle') };
    const [first, second] = await Promise.all([startCaller(input), startCaller({ ...input, generation: { ...input.generation } })]);
    const [a, b] = await Promise.all([first.result(), second.result()]);
    if (a.outcome !== 'succeeded' || b.outcome !== 'succeeded') throw new Error(`a call failed: ${JSON.stringify([a, b])}`);
    expect(await requestIdOf(first.workflowId)).not.toBe(await requestIdOf(second.workflowId));
    expect(b.result.taskId).toBe(a.result.taskId);
    expect(a.result.workflowId).toBe(nexusGenerationWorkflowId({ generationId }));
    expect(creates()).toBe(1);

    const other = failedChain(await (await startCaller({ generationId, generation: generation('[sim:succeed] a blue bicycle') })).result());
    expectRefused(other, NexusFailureTypes.GenerationIdConflict);
    expect(other.at(-1)!.message).toMatch(/different input/);

    const again = failedChain(await (await startCaller(input)).result());
    expectRefused(again, NexusFailureTypes.GenerationIdConflict);
    expect(again.at(-1)!.message).toMatch(/already ended/);
    expect(creates()).toBe(1);
  });

  test.each([
    ['an empty prompt', { generation: generation('   ') }, 'generation.prompt'],
    [
      'a file on the worker',
      { generation: generation('[sim:succeed] x', { reference: { path: 'secret.png' } }) },
      'generation.reference.path',
    ],
    [
      'compensations',
      { generation: generation('[sim:succeed] x', { compensations: [{ activity: 'rivyaCreateGeneration' }] }) },
      'generation.compensations',
    ],
    [
      "a save target (written with the worker's rights)",
      { generation: generation('[sim:succeed] x', { save: { to: 'videos' } }) },
      'generation.save',
    ],
    ['an unknown field', { generation: generation('[sim:succeed] x'), priority: 'high' } as Sora2NexusGenerateInput, '(input)'],
  ])('bad input (%s) fails at once: BAD_REQUEST with typed issues, no workflow, no Rivya call', async (_label, input, path) => {
    const startedAt = Date.now();
    const caller = await startCaller(input);
    const chain = failedChain(await caller.result());
    // Not retried: retries would go on to the operation's 2-minute schedule-to-close timeout.
    // A generous liveness bound, far below that, not a speed check.
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expectRefused(chain, NexusFailureTypes.ValidationFailed);
    const { issues } = chain.at(-1)!.details![0] as { issues: Array<{ path: string }> };
    expect(issues.map((issue) => issue.path)).toContain(path);
    const workflowId = nexusGenerationWorkflowId({ requestId: await requestIdOf(caller.workflowId) });
    await expect(env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(simulator.stats().counters.createGeneration?.requests ?? 0).toBe(0);
  });

  test("the endpoint's saveTo saves the video below the worker's save root, where the caller had no say", async () => {
    const outcome = await (await startCaller({ generation: generation('[sim:succeed] a lighthouse at dusk') }, SAVING_ENDPOINT)).result();
    if (outcome.outcome !== 'succeeded') throw new Error(`call failed: ${JSON.stringify(outcome.chain)}`);
    const path = join(saveRoot, 'nexus-videos', savedFileName(outcome.result.workflowId));
    expect(outcome.result.saved).toMatchObject({ location: path, contentType: 'video/mp4' });
    expect(readFileSync(path).length).toBe(outcome.result.saved!.bytes);
  });

  test("cancelling the caller's operation cancels the generation: compensated, GenerationCancelled, one charge", async () => {
    slow(30_000);
    const caller = await startCaller({ generation: generation('[sim:succeed] a slow sunrise') });
    const workflowId = nexusGenerationWorkflowId({ requestId: await waitFor(() => requestIdOf(caller.workflowId).catch(() => undefined)) });
    await waitFor(() => (simulator.stats().tasks.length === 1 ? true : undefined), 15_000);
    await caller.signal(cancelCallSignal);
    const chain = failedChain(await caller.result());
    const task = simulator.stats().tasks[0]!;
    // What the generation reports when cancelled directly, here as the caller's operation failure.
    expect(chain.map((link) => link.kind)).toEqual(['NexusOperationFailure', 'ApplicationFailure']);
    expect(chain[1]!.type).toBe(FailureTypes.GenerationCancelled);
    expect(chain[1]!.message).toMatch(new RegExp(`task ${task.id} keeps running`));
    const details = chain[1]!.details![0] as GenerationFailureDetails;
    expect(details.workflowId).toBe(workflowId);
    expect(details.compensations.map((c) => c.name)).toEqual(['reconcile-credits']);
    expect(details.credits).toMatchObject({ taskId: task.id, refunded: 'pending', source: 'last-known' });
    const handle = env.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('FAILED');
    // The operation's cancel reached the run as a cancel request (the handler's cancel), nothing else ended it.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((event) => event.workflowExecutionCancelRequestedEventAttributes)).toHaveLength(1);
    // One create, one reservation: the cancel paid nothing more.
    expect(creates()).toBe(1);
    expect(
      simulator
        .stats()
        .ledger.filter((entry) => entry.kind === 'reserve')
        .map((entry) => entry.taskId),
    ).toEqual([task.id]);
  });
});
