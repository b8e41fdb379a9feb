/**
 * The whole system for workflow tests: the real Temporal dev server, the Rivya simulator, and a
 * real Worker running the Sora2Plugin against the simulator over loopback.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Sora2Plugin, type Sora2PluginOptions } from '../../src';
import type { RivyaSimulator, StartSimulatorOptions } from '../../simulator/index';
import { startTestTemporal, type TestTemporalOptions } from './temporal-env';
import { startTestSimulator, TEST_API_KEY } from './simulator';

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
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: options.workflowsPath ?? require.resolve('../fixtures/workflows'),
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

/** Fast polling so tests don't wait on production intervals. */
export const FAST_POLLING = { firstCheckAfterMs: 200, minIntervalMs: 200, maxIntervalMs: 1_000, expectedDurationMs: 400 } as const;
