/**
 * From a task id to the workflow that owns it. The task object does not echo our
 * client_request_id (S10), so the owner is found by the `RivyaTaskId` search attribute, which the
 * workflow upserts right after the create call returns — through a visibility query.
 *
 * The task id is checked against TASK_ID_PATTERN here again (not only by the envelope schema): it
 * becomes a quoted literal in the query, and only letters, digits, `_` and `-` may get there.
 */
import { isGrpcServiceError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { sora2WebhookEventSignal, type WebhookEventSignal } from '../../workflows/generation/messages';
import { RIVYA_TASK_ID } from '../../workflows/common/search-attributes';
import { TASK_ID_PATTERN } from './envelope';
import { RouteCache } from './route-cache';

export type RouteResult =
  { kind: 'signalled'; workflowIds: string[]; cached: boolean } | { kind: 'closed'; workflowIds: string[] } | { kind: 'not-found' };

/** Temporal did not answer usefully (unreachable, deadline, overloaded, refused the query). */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor(
    /** The gRPC status name (e.g. UNAVAILABLE, DEADLINE_EXCEEDED), or the error's name. */
    readonly code: string,
    options?: { cause: unknown },
  ) {
    super(`Temporal did not answer (${code})`, options);
  }
}

export interface TaskRouterOptions {
  /** Bound on one delivery's Temporal calls (query + signals). */
  timeoutMs: number;
  /** Entries in the taskId → workflowId cache; 0 turns it off. */
  cacheSize: number;
}

/** One task belongs to one generation; a few more rows only in odd cases (continue-as-new chains). */
const MAX_EXECUTIONS_LISTED = 20;

/** The visibility query for one task id. Throws on anything but a strict task id. */
export function taskIdQuery(taskId: string): string {
  if (!TASK_ID_PATTERN.test(taskId)) throw new Error('refusing to query visibility with a task id outside TASK_ID_PATTERN');
  return `${RIVYA_TASK_ID.name} = '${taskId}'`;
}

export class TaskRouter {
  readonly cache: RouteCache;

  constructor(
    private readonly client: Client,
    private readonly options: TaskRouterOptions,
  ) {
    this.cache = new RouteCache(options.cacheSize);
  }

  /** Signals the owner of `payload.task.id` if it runs. Throws TemporalUnavailableError when Temporal can't say. */
  async route(payload: WebhookEventSignal): Promise<RouteResult> {
    const taskId = payload.task.id;
    const query = taskIdQuery(taskId);
    const deadline = Date.now() + this.options.timeoutMs;
    try {
      // The deadline covers every call inside, including the pages the list iterator fetches; the
      // abort signal is the backstop for a call stuck in the connection's own retries.
      return await this.client.withAbortSignal(AbortSignal.timeout(this.options.timeoutMs + 250), () =>
        this.client.withDeadline(deadline, async () => {
          const cached = this.cache.get(taskId);
          if (cached !== undefined) {
            if (await this.signal(cached, payload)) return { kind: 'signalled', workflowIds: [cached], cached: true };
            // Closed since it was cached: forget it, and let visibility tell closed from gone.
            this.cache.delete(taskId);
          }
          return await this.findAndSignal(query, payload);
        }),
      );
    } catch (err) {
      if (err instanceof TemporalUnavailableError) throw err;
      throw new TemporalUnavailableError(errorCode(err), { cause: err });
    }
  }

  private async findAndSignal(query: string, payload: WebhookEventSignal): Promise<RouteResult> {
    const executions: WorkflowExecutionInfo[] = [];
    for await (const execution of this.client.workflow.list({ query, pageSize: MAX_EXECUTIONS_LISTED })) {
      executions.push(execution);
      if (executions.length >= MAX_EXECUTIONS_LISTED) break;
    }
    if (executions.length === 0) return { kind: 'not-found' };

    const signalled: string[] = [];
    const closed: string[] = [];
    for (const workflowId of possiblyOpen(executions)) {
      if (await this.signal(workflowId, payload)) signalled.push(workflowId);
      else closed.push(workflowId);
    }
    if (signalled.length > 0) {
      this.cache.set(payload.task.id, signalled[0]!);
      return { kind: 'signalled', workflowIds: signalled, cached: false };
    }
    const allIds = [...new Set([...closed, ...executions.map((execution) => execution.workflowId)])];
    return { kind: 'closed', workflowIds: allIds };
  }

  /** True when signalled; false when the workflow is closed (or gone); throws on anything else. */
  private async signal(workflowId: string, payload: WebhookEventSignal): Promise<boolean> {
    try {
      // No run id: the signal reaches the current run, also after a continue-as-new.
      await this.client.workflow.getHandle(workflowId).signal(sora2WebhookEventSignal, payload);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}

/**
 * Workflow ids worth a signal: those with a running execution, and those whose every listed run
 * continued-as-new (the new run exists but visibility has not caught up). Closed ones are not
 * signalled — a signal to a closed workflow is refused anyway.
 */
function possiblyOpen(executions: readonly WorkflowExecutionInfo[]): string[] {
  const byWorkflow = new Map<string, WorkflowExecutionInfo[]>();
  for (const execution of executions) byWorkflow.set(execution.workflowId, [...(byWorkflow.get(execution.workflowId) ?? []), execution]);
  return [...byWorkflow.entries()]
    .filter(([, runs]) => runs.some((run) => run.status.name === 'RUNNING') || runs.every((run) => run.status.name === 'CONTINUED_AS_NEW'))
    .map(([workflowId]) => workflowId);
}

/** gRPC status names by code (the standard's fixed table), for counters and logs. */
const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** A short, secret-free name for what went wrong: the gRPC status name where there is one. */
function errorCode(err: unknown): string {
  for (let current: unknown = err, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (isGrpcServiceError(current)) return GRPC_STATUS_NAMES[current.code] ?? `grpc-${current.code}`;
  }
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return 'TIMEOUT';
  return err instanceof Error ? err.name : 'unknown';
}
