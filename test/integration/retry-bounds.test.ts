/**
 * Retrying where it cannot help: the workflow id is Rivya's Idempotency-Key and client_request_id,
 * so an id Rivya cannot take is refused before anything starts (client helper) or before anything
 * is paid (workflow), instead of being retried as if Rivya were down; and every activity the
 * workflow schedules has a bounded attempt count.
 */
import { pollingOptionsSchema } from '../../workflows/generation/input';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { SORA2_WORKFLOW_TYPE, Sora2InputError, startSora2Generation } from '../../src/client/helpers';
import { generationFailureOf } from '../../src/client/generation-failure';
import { FailureTypes } from '../../workflows/common/failures';
import { workflowIdIssues } from '../../workflows/common/workflow-id';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeSora2Generation } from '../../src/client/helpers';
import { assetPath } from '../../src/internal/package-root';
import { FAST_POLLING, startTestStack, type TestStack } from '../helpers/stack';
import { nextId } from '../helpers/ids';

test.each([
  ['128 characters', true, 'a'.repeat(128)],
  ['129 characters', false, 'a'.repeat(129)],
  ['a control character', false, 'video-\n42'],
  ['non-ASCII', false, 'vidéo-42'],
  ['a trailing space', false, 'video-42 '],
  ['an inner space and punctuation', true, 'order 42/video:1'],
])('a workflow id with %s: accepted %s', (_label, accepted, id) => {
  expect(workflowIdIssues(id).length === 0).toBe(accepted);
});

describe('on the real dev server', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('the client helper refuses a 200-character id before starting anything', async () => {
    const workflowId = `long-${'x'.repeat(200)}`;
    const error = await startSora2Generation(stack.env.client, { prompt: 'p' }, { workflowId, taskQueue: stack.taskQueue }).catch((e) => e);
    expect(error).toBeInstanceOf(Sora2InputError);
    expect((error as Sora2InputError).issues.map((issue) => issue.path)).toEqual(['workflowId']);
    await expect(stack.env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test('a workflow started directly with such an id fails as ValidationFailed at once, nothing paid', async () => {
    const workflowId = `raw-long-${Date.now()}-${'y'.repeat(200)}`;
    const handle = await stack.env.client.workflow.start(SORA2_WORKFLOW_TYPE, {
      args: [{ prompt: '[sim:succeed] p', polling: FAST_POLLING }],
      workflowId,
      taskQueue: stack.taskQueue,
      workflowExecutionTimeout: '60s', // the old behaviour retried the create for minutes
    });
    const error = await handle.result().catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = generationFailureOf(error);
    expect(failure?.type).toBe(FailureTypes.ValidationFailed);
    expect(failure?.details?.issues?.map((issue) => issue.path)).toEqual(['workflowId']);
    expect(stack.simulator.stats().counters.createGeneration).toBeUndefined();
  });

  test('every activity the workflow schedules has bounded retries: an attempt cap, or (the wait) its deadline', async () => {
    copyFileSync(assetPath('sample-reference.png'), join(stack.referenceDir, 'bounded.png'));
    const workflowId = nextId('bounded-attempts');
    await executeSora2Generation(
      stack.env.client,
      { prompt: '[sim:succeed] bounded', polling: FAST_POLLING, reference: { path: 'bounded.png' } },
      { workflowId, taskQueue: stack.taskQueue },
    );
    const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = (history.events ?? []).flatMap((event) =>
      event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes] : [],
    );
    const types = new Set(scheduled.map((attributes) => attributes.activityType?.name));
    expect([...types].sort()).toEqual(['rivyaAwaitGeneration', 'rivyaCreateGeneration', 'rivyaUploadReference']);
    // The wait by retries checks until the deadline: at most one attempt a second (no retry is
    // sooner than 1 s), never past it — its bound is that time, not an attempt ceiling the UI would
    // show as "2 of 3610". Every other activity has an attempt cap.
    const deadlineS = pollingOptionsSchema.parse(FAST_POLLING).deadlineMs / 1000;
    for (const attributes of scheduled) {
      const name = attributes.activityType?.name;
      const attempts = attributes.retryPolicy?.maximumAttempts ?? 0;
      if (name === 'rivyaAwaitGeneration') {
        expect(`${name}: ${attempts === 0 || attempts <= deadlineS + 10}`).toBe(`${name}: true`);
        expect(Number(attributes.scheduleToCloseTimeout?.seconds ?? Infinity)).toBeLessThanOrEqual(deadlineS);
      } else expect(`${name}: ${attempts > 0 && attempts <= 20}`).toBe(`${name}: true`);
    }
  });
});
