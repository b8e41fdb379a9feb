/** Every run of a workflow id (continue-as-new makes several), with its history. */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

export interface RecordedRun {
  workflowId: string;
  runId: string;
  history: temporal.api.history.v1.IHistory;
}

export async function fetchAllRuns(client: Client, workflowId: string): Promise<RecordedRun[]> {
  const runs: RecordedRun[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    runs.push({ workflowId, runId: execution.runId, history });
  }
  return runs;
}

/** Every run of each workflow id, a few ids at a time (a batch's children: one id per item). */
export async function fetchRunsOf(client: Client, workflowIds: readonly string[], concurrency = 8): Promise<RecordedRun[]> {
  const runs: RecordedRun[][] = [];
  for (let i = 0; i < workflowIds.length; i += concurrency)
    runs.push(...(await Promise.all(workflowIds.slice(i, i + concurrency).map((id) => fetchAllRuns(client, id)))));
  return runs.flat();
}

export function eventCount(run: RecordedRun): number {
  return run.history.events?.length ?? 0;
}

/** Every Payload object inside a message, with where it sits (search attributes are never codec-encoded). */
export function payloadsIn(value: unknown, path = ''): { path: string; payload: Payload }[] {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => payloadsIn(item, `${path}[${index}]`));
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && 'data' in record) return [{ path, payload: record as Payload }];
  return Object.entries(record).flatMap(([key, child]) => payloadsIn(child, path ? `${path}.${key}` : key));
}

export const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString();
