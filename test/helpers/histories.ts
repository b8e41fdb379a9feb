/** Every run of a workflow id (continue-as-new makes several), with its history. */
import type { Client } from '@temporalio/client';
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
