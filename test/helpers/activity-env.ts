/**
 * Activity unit tests: a simulator on a loopback socket for the file (fresh state before each
 * test), its client, an activity Context to run in (MockActivityEnvironment: attempt, cancellation,
 * heartbeats), and the activity's ApplicationFailure when it throws one.
 */
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { RivyaSimulator, StartSimulatorOptions } from '../../simulator/index';
import type { RivyaClient } from '../../src/rivya';
import type { AwaitGenerationInput } from '../../workflows/common/activity-contract';
import { clientFor, startTestSimulator } from './simulator';

export interface ActivitySimulator {
  readonly simulator: RivyaSimulator;
  client(): RivyaClient;
}

/** Starts the simulator for the whole file (reset before each test with `options`); call it at the top. */
export function useActivitySimulator(options: StartSimulatorOptions = {}): ActivitySimulator {
  let simulator: RivyaSimulator | undefined;
  beforeAll(async () => {
    simulator = await startTestSimulator(options);
  });
  beforeEach(() => simulator!.reset(options));
  afterAll(() => simulator?.close());
  const started = (): RivyaSimulator => {
    if (!simulator)
      throw new Error('the simulator is not running: use it inside tests, after useActivitySimulator() at the top of the file');
    return simulator;
  };
  return {
    get simulator() {
      return started();
    },
    client: () => clientFor(started()),
  };
}

/** The ApplicationFailure an activity run rejected with; fails the test if it resolved or threw something else. */
export async function activityFailureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(
    () => {
      throw new Error('the activity completed; a failure was expected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** An activity Context with `info` (the attempt, say); the activity's own log lines at ERROR only. */
export function activityContext(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
}

/** Runs `fn(...args)` as an activity in `context` (a fresh one by default), typed as `fn` returns. */
export function runActivity<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  args: A,
  context: MockActivityEnvironment = activityContext(),
): Promise<R> {
  return context.run(fn, ...args) as Promise<R>;
}

/** rivyaAwaitGeneration's input for a task created now: 1 s checks, no jitter, an hour's deadline. */
export function awaitInputFor(taskId: string, nowMs = Date.now()): AwaitGenerationInput {
  return {
    taskId,
    model: 'sora-2',
    nFrames: '10',
    taskCreatedAtMs: nowMs,
    checksSoFar: 0,
    polling: { firstCheckAfterMs: 1_000, minIntervalMs: 1_000, maxIntervalMs: 5_000, jitterFraction: 0 },
    webhooks: false,
    deadlineAtMs: nowMs + 3_600_000,
    jitterKey: taskId,
  };
}
