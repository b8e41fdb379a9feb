/**
 * The whole system for workflow tests: the real Temporal dev server, the Rivya simulator, and a
 * real Worker running the Sora2Plugin against the simulator over loopback. A test file calls
 * `useTestStack()` once at its top; `startTestStack()` is for a test that needs a stack of its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  Sora2Plugin,
  startSora2Generation,
  type GenerationFailureDetails,
  type Sora2GenerationInput,
  type Sora2PluginOptions,
} from '../../src';
import type { RivyaSimulator, StartSimulatorOptions } from '../../simulator/index';
import { nextId } from './ids';
import { startTestTemporal, type TestTemporalOptions } from './temporal-env';
import { startTestSimulator, TEST_API_KEY } from './simulator';
import { prebuiltWorkflowBundle } from './workflow-bundle';

export interface TestStack {
  env: TestWorkflowEnvironment;
  simulator: RivyaSimulator;
  taskQueue: string;
  referenceDir: string;
  worker: Worker;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  temporal?: TestTemporalOptions;
  simulator?: StartSimulatorOptions;
  plugin?: Partial<Sora2PluginOptions>;
  /** Extra activities on the same worker (pipeline compensations). */
  activities?: object;
  workflowsPath?: string;
}

let counter = 0;

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const env = await startTestTemporal(options.temporal);
  const simulator = await startTestSimulator(options.simulator);
  const referenceDir = mkdtempSync(join(tmpdir(), 'rivya-refs-'));
  const taskQueue = `sora2-test-${process.pid}-${(counter += 1)}`;
  const workflowsPath = options.workflowsPath ?? require.resolve('../fixtures/workflows');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    // Tracing adds the OpenTelemetry workflow interceptors at bundling: that worker bundles its own.
    ...(options.plugin?.tracing ? { workflowsPath } : { workflowBundle: await prebuiltWorkflowBundle(workflowsPath) }),
    activities: options.activities,
    plugins: [new Sora2Plugin({ apiKey: TEST_API_KEY, baseUrl: simulator.url, referenceDirectory: referenceDir, ...options.plugin })],
  });
  const running = worker.run();
  return {
    env,
    simulator,
    taskQueue,
    referenceDir,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await simulator.close();
      await env.teardown();
    },
  };
}

export interface UseTestStackOptions extends TestStackOptions {
  /**
   * Before each test: the simulator reset (counters, tasks, faults), with these options when given
   * (the task timings the file's tests are written for). Off: the tests share the simulator's state.
   */
  resetBeforeEach?: boolean | StartSimulatorOptions;
}

/** The file's stack (started in beforeAll), and what most workflow tests do with it. */
export interface FileStack extends TestStack {
  /** Starts a generation on the stack's task queue under a fresh workflow id labelled `label`. */
  start(input: Sora2GenerationInput, label: string): Promise<WorkflowHandle>;
  /** How many times the simulator has been asked for a generation's status (the polls, as Rivya saw them). */
  statusReads(): number;
}

/** Starts one stack for the whole test file and stops it after; call it at the top of the file. */
export function useTestStack(options: UseTestStackOptions = {}): FileStack {
  let current: TestStack | undefined;
  beforeAll(async () => {
    current = await startTestStack(options);
  });
  afterAll(async () => {
    await current?.stop();
  });
  const { resetBeforeEach } = options;
  if (resetBeforeEach) beforeEach(() => started().simulator.reset(resetBeforeEach === true ? undefined : resetBeforeEach));
  const started = (): TestStack => {
    if (!current)
      throw new Error('the test stack is not running: use it inside tests and hooks, after useTestStack() at the top of the file');
    return current;
  };
  return {
    get env() {
      return started().env;
    },
    get simulator() {
      return started().simulator;
    },
    get taskQueue() {
      return started().taskQueue;
    },
    get referenceDir() {
      return started().referenceDir;
    },
    get worker() {
      return started().worker;
    },
    stop: () => started().stop(),
    start: (input, label) =>
      startSora2Generation(started().env.client, input, { workflowId: nextId(label), taskQueue: started().taskQueue }),
    statusReads: () => started().simulator.stats().counters.getGeneration?.requests ?? 0,
  };
}

/** Fast polling so tests don't wait on production intervals. */
export const FAST_POLLING = { firstCheckAfterMs: 200, minIntervalMs: 200, maxIntervalMs: 1_000, expectedDurationMs: 400 } as const;

/** Webhooks on, the safety net at 2 × 10 min: within a test's time only an event, pollNow or an operator ends the wait. */
export const waitingFarAway = (prompt: string, extra: Partial<Sora2GenerationInput> = {}): Sora2GenerationInput => ({
  prompt,
  polling: { expectedDurationMs: 600_000 },
  completion: { webhooks: true },
  ...extra,
});

/** The run's typed failure (an ApplicationFailure) and its GenerationFailureDetails; fails the test if the run did not fail. */
export async function generationFailureOf(
  handle: WorkflowHandle,
): Promise<{ failure: ApplicationFailure; details: GenerationFailureDetails }> {
  const err = await handle.result().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return { failure, details: failure.details![0] as GenerationFailureDetails };
}
