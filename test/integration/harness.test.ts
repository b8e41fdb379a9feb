/**
 * Proves the harness is real: a workflow runs on a real Worker against the real dev server, and the
 * history and search attributes come back from that server.
 */
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestTemporal } from '../helpers/temporal-env';
import { smokeWorkflow } from '../fixtures/smoke-workflows';
import * as smokeActivities from '../fixtures/smoke-activities';
import { RIVYA_TASK_STATUS } from '../../workflows/common/search-attributes';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTestTemporal();
});

afterAll(async () => {
  await env?.teardown();
});

test('a workflow runs on a real worker and the server records its history', async () => {
  const taskQueue = 'harness-smoke';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../fixtures/smoke-workflows'),
    activities: smokeActivities,
  });

  const handle = await worker.runUntil(async () => {
    const started = await env.client.workflow.start(smokeWorkflow, {
      taskQueue,
      workflowId: `smoke-${Date.now()}`,
      args: ['temporal'],
    });
    expect(await started.result()).toBe('hello, temporal');
    return started;
  });

  const history = await handle.fetchHistory();
  const eventTypes = (history.events ?? []).map((event) => String(event.eventType));
  // Event types come back as enum numbers from the server: compare by name via the proto enum.
  const { temporal } = await import('@temporalio/proto');
  const names = eventTypes.map((t) => temporal.api.enums.v1.EventType[Number(t)]);
  expect(names[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  expect(names).toContain('EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
  expect(names).toContain('EVENT_TYPE_TIMER_FIRED');
  expect(names).toContain('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES');
  expect(names[names.length - 1]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');

  const description = await handle.describe();
  expect(description.typedSearchAttributes.get(RIVYA_TASK_STATUS)).toBe('smoke-done');
});
