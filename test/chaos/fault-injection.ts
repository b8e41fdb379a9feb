/**
 * Test-only fault injection on the worker side (never in activities/**): an in-process worker whose
 * Rivya client can be switched to the idempotency break the chaos suite once caught — a NEW
 * Idempotency-Key on every attempt of the paid create — so a test can show the chaos invariants
 * see it. Switch: the `breakIdempotency` option, or CHAOS_BREAK_IDEMPOTENCY=1. And on the receiver
 * side, a verifier that takes every delivery as signed, so a test can show the forged-accepted
 * invariants see forged and replayed deliveries getting through (CHAOS_BREAK_WEBHOOK_VERIFY=1 puts
 * it into the chaos run itself).
 */
import { randomUUID } from 'node:crypto';
import type { NativeConnection } from '@temporalio/worker';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createSora2Activities } from '../../activities';
import { RivyaClient, type CreateGenerationOptions, type CreateGenerationRequest } from '../../src/rivya';
import type { WebhookVerifier } from '../../src/webhooks';

export const BREAK_IDEMPOTENCY_ENV = 'CHAOS_BREAK_IDEMPOTENCY';
/** Runs the chaos suite's receiver with `acceptEveryDeliveryVerifier`. */
export const BREAK_WEBHOOK_VERIFY_ENV = 'CHAOS_BREAK_WEBHOOK_VERIFY';

/**
 * The real client, except that every createGeneration goes out under a fresh random key (the
 * client_request_id is left as the activity set it, so the invariants still match tasks to
 * workflows). A retry after a lost response then creates a second, paid task.
 */
export function withFreshIdempotencyKeyPerAttempt(client: RivyaClient): RivyaClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'createGeneration') {
        return (body: CreateGenerationRequest, options: CreateGenerationOptions) =>
          target.createGeneration(body, { ...options, idempotencyKey: `broken-${randomUUID()}` });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface FaultInjectedWorkerOptions {
  connection: NativeConnection;
  taskQueue: string;
  apiKey: string;
  rivyaBaseUrl: string;
  /** Default: CHAOS_BREAK_IDEMPOTENCY=1 in the environment. */
  breakIdempotency?: boolean;
  workflowBundle?: WorkflowBundleWithSourceMap;
}

/** The test fixture workflows bundled once, for several workers of one test. */
export function bundleFixtureWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/workflows'), logger: undefined });
}

/** A worker with the real Sora 2 activities built on a (possibly broken) client; not the plugin. */
export async function createFaultInjectedWorker(options: FaultInjectedWorkerOptions): Promise<Worker> {
  const broken = options.breakIdempotency ?? process.env[BREAK_IDEMPOTENCY_ENV] === '1';
  const real = new RivyaClient({ apiKey: options.apiKey, baseUrl: options.rivyaBaseUrl });
  const client = broken ? withFreshIdempotencyKeyPerAttempt(real) : real;
  return Worker.create({
    connection: options.connection,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../fixtures/workflows') }),
    activities: createSora2Activities(client),
  });
}

/**
 * The receiver's check switched off: every delivery counts as signed by Rivya, whatever its
 * signature or timestamp (the `webhook-id` header is handed on as the message id, so only the
 * envelope's own checks remain). Forged and stale copies then reach the workflows.
 */
export const acceptEveryDeliveryVerifier: WebhookVerifier = {
  verify: ({ headers }) => {
    const id = headers['webhook-id'];
    return { ok: true, messageId: typeof id === 'string' ? id : undefined };
  },
};
