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
