/**
 * The start helpers while Temporal is unavailable (src/client/temporal-unavailable.ts, helpers.ts):
 * which answers are transient, the bounded retry, and the typed retryable error — with a fake
 * client (the helpers call only workflow.start, workflow.getHandle and handle.describe).
 */
import { ServiceError, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { Sora2TemporalUnavailableError } from '../../src';
import { startSora2Batch, startSora2Generation, Sora2WorkflowIdConflictError } from '../../src/client/helpers';
import { isTemporalUnavailable, retryDelayMs, DEFAULT_TEMPORAL_UNAVAILABLE_RETRY } from '../../src/client/temporal-unavailable';

/** A gRPC error as the client surfaces it: a ServiceError whose cause carries the status code. */
function grpcError(code: number, details: string): ServiceError {
  return new ServiceError(`${details}`, { cause: Object.assign(new Error(`${code} ${details}`), { code, details }) });
}

/** A client whose start answers from `answers` in order (an Error is thrown), then succeeds. */
function fakeClient(answers: unknown[], memo: Record<string, unknown> = {}) {
  const calls = { start: 0, describe: 0, getHandle: 0 };
  const handle = (workflowId: string) => ({
    workflowId,
    describe: async () => {
      calls.describe += 1;
      return { runId: 'run-1', memo };
    },
  });
  const client = {
    workflow: {
      start: async (_type: string, options: { workflowId: string }) => {
        calls.start += 1;
        const answer = answers.shift();
        if (answer instanceof Error) throw answer;
        return handle(options.workflowId);
      },
      getHandle: (workflowId: string) => {
        calls.getHandle += 1;
        return handle(workflowId);
      },
    },
  } as unknown as Client;
  return { client, calls };
}

const input = { prompt: 'a paper boat' };
const fast = { totalMs: 200, initialDelayMs: 5, maxDelayMs: 20 };

describe('which answers mean "unavailable"', () => {
  test('a database outage (namespace not found) and gRPC UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED', () => {
    expect(isTemporalUnavailable(new NamespaceNotFoundError('default'))).toBe(true);
    expect(isTemporalUnavailable(grpcError(14, 'connection refused'))).toBe(true);
    expect(isTemporalUnavailable(grpcError(4, 'deadline exceeded'))).toBe(true);
    expect(isTemporalUnavailable(grpcError(8, 'namespace rate limit exceeded'))).toBe(true);
    expect(isTemporalUnavailable(Object.assign(new Error('no connection'), { code: 14 }))).toBe(true);
  });

  test('answers about the request are not', () => {
    expect(isTemporalUnavailable(grpcError(3, 'invalid argument'))).toBe(false);
    expect(isTemporalUnavailable(grpcError(7, 'permission denied'))).toBe(false);
    expect(isTemporalUnavailable(new WorkflowExecutionAlreadyStartedError('started', 'id', 'sora2Generation'))).toBe(false);
    expect(isTemporalUnavailable(new Error('boom'))).toBe(false);
    expect(isTemporalUnavailable(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }))).toBe(false);
    expect(isTemporalUnavailable(undefined)).toBe(false);
  });

  test('the waits double up to the cap, jitter only shortening them', () => {
    const retry = DEFAULT_TEMPORAL_UNAVAILABLE_RETRY;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, retry, () => 0))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect(retryDelayMs(1, retry, () => 1)).toBe(400);
  });
});

describe('startSora2Generation while Temporal is unavailable', () => {
  test('retries a database outage, then starts', async () => {
    const { client, calls } = fakeClient([new NamespaceNotFoundError('default'), grpcError(14, 'unavailable')]);
    const handle = await startSora2Generation(client, input, { workflowId: 'gen-1', unavailableRetry: fast });
    expect(handle.workflowId).toBe('gen-1');
    expect(calls).toEqual({ start: 3, describe: 1, getHandle: 0 });
  });

  test('a failing describe (the attach half) is retried too', async () => {
    const started = () => new WorkflowExecutionAlreadyStartedError('started', 'gen-2', 'sora2Generation');
    const { client, calls } = fakeClient([started(), started()]);
    let describes = 0;
    const getHandle = client.workflow.getHandle.bind(client.workflow);
    (client.workflow as { getHandle: unknown }).getHandle = (id: string) => {
      const handle = getHandle(id);
      return {
        ...handle,
        describe: async () => {
          describes += 1;
          if (describes === 1) throw grpcError(14, 'unavailable');
          return handle.describe();
        },
      };
    };
    await startSora2Generation(client, input, { workflowId: 'gen-2', unavailableRetry: fast });
    expect(describes).toBe(2);
    expect(calls.start).toBe(2);
  });

  test('past the bound: a typed, retryable error with the last answer as cause', async () => {
    const outage = Array.from({ length: 1000 }, () => new NamespaceNotFoundError('default'));
    const { client, calls } = fakeClient(outage);
    const began = Date.now();
    const error = await startSora2Generation(client, input, { workflowId: 'gen-3', unavailableRetry: fast }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Sora2TemporalUnavailableError);
    const unavailable = error as Sora2TemporalUnavailableError;
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.workflowId).toBe('gen-3');
    expect(unavailable.cause).toBeInstanceOf(NamespaceNotFoundError);
    expect(unavailable.attempts).toBe(calls.start);
    expect(calls.start).toBeGreaterThan(2);
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(unavailable.message).toMatch(/database may be down/);
  });

  test('unavailableRetry false: the first unavailable answer is the typed error, no retry', async () => {
    const { client, calls } = fakeClient([grpcError(14, 'unavailable')]);
    await expect(startSora2Generation(client, input, { workflowId: 'gen-4', unavailableRetry: false })).rejects.toBeInstanceOf(
      Sora2TemporalUnavailableError,
    );
    expect(calls.start).toBe(1);
  });

  test('other errors pass through at once', async () => {
    const { client, calls } = fakeClient([grpcError(7, 'permission denied')]);
    await expect(startSora2Generation(client, input, { workflowId: 'gen-5', unavailableRetry: fast })).rejects.toBeInstanceOf(ServiceError);
    expect(calls.start).toBe(1);
  });

  test('the same id with another input is still a conflict, not retried', async () => {
    const { client, calls } = fakeClient([], { rivyaInputSha256: 'another input' });
    await expect(startSora2Generation(client, input, { workflowId: 'gen-6', unavailableRetry: fast })).rejects.toBeInstanceOf(
      Sora2WorkflowIdConflictError,
    );
    expect(calls.start).toBe(1);
  });
});

test('startSora2Batch retries the same way (one start-or-attach for both)', async () => {
  const { client, calls } = fakeClient([grpcError(8, 'resource exhausted')]);
  const handle = await startSora2Batch(
    client,
    { items: [{ key: 'a', prompt: 'a paper boat' }] },
    {
      batchId: 'batch-1',
      unavailableRetry: fast,
    },
  );
  expect(handle.workflowId).toBe('batch-1');
  expect(calls).toEqual({ start: 2, describe: 1, getHandle: 0 });
});
