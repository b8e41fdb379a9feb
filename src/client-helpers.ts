/**
 * Starting generations from a backend. The workflow id is the generation's identity: it is Rivya's
 * Idempotency-Key, so the same id must never mean two generations. Hence REJECT_DUPLICATE (no
 * second run under a used id) and USE_EXISTING (a retried start attaches to the running one).
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import { checkSora2Input, describeIssues, type InputIssue, type Sora2GenerationInput } from '../workflows/input';
import type { sora2Generation, Sora2GenerationResult } from '../workflows/sora2-generation';
import { RIVYA_MODEL } from '../workflows/search-attributes';
import { workflowIdIssues } from '../workflows/workflow-id';

export const SORA2_WORKFLOW_TYPE = 'sora2Generation';
export const DEFAULT_SORA2_TASK_QUEUE = 'rivya-sora2';

export type Sora2WorkflowHandle = WorkflowHandle<typeof sora2Generation>;

/** The input failed validation before anything was started (or paid for). */
export class Sora2InputError extends Error {
  override readonly name = 'Sora2InputError';
  constructor(readonly issues: InputIssue[]) {
    super(`invalid generation input: ${describeIssues(issues)}`);
  }
}

export interface StartSora2Options
  extends Omit<WorkflowStartOptions<typeof sora2Generation>, 'args' | 'taskQueue' | 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'> {
  workflowId: string;
  /** Default: 'rivya-sora2'. */
  taskQueue?: string;
}

function summaryOf(input: Sora2GenerationInput): string {
  const prompt = input.prompt.replace(/\s+/g, ' ').trim();
  return `${input.model ?? 'sora-2'}: ${prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt}`;
}

function detailsOf(input: Sora2GenerationInput): string {
  const params = Object.entries(input.params ?? {}).map(([key, value]) => `${key}=${value}`).join(', ') || 'defaults';
  const reference = input.reference ? ('path' in input.reference ? 'local file' : 'URL') : 'none';
  return [`**Model:** ${input.model ?? 'sora-2'}`, `**Params:** ${params}`, `**Reference:** ${reference}`].join('\n\n');
}

/** Validates, then starts — or attaches to the generation already started under this workflow id. */
export async function startSora2Generation(client: Client, input: Sora2GenerationInput, options: StartSora2Options): Promise<Sora2WorkflowHandle> {
  const checked = checkSora2Input(input);
  const issues = [...(checked.ok ? [] : checked.issues), ...workflowIdIssues(options.workflowId)];
  if (!checked.ok || issues.length > 0) throw new Sora2InputError(issues);
  const { workflowId, taskQueue = DEFAULT_SORA2_TASK_QUEUE, ...rest } = options;
  const withSearchAttributes = checked.value.searchAttributes && rest.typedSearchAttributes === undefined;
  try {
    return await client.workflow.start<typeof sora2Generation>(SORA2_WORKFLOW_TYPE, {
      staticSummary: summaryOf(input),
      staticDetails: detailsOf(input),
      ...rest,
      ...(withSearchAttributes ? { typedSearchAttributes: [{ key: RIVYA_MODEL, value: checked.value.model }] } : {}),
      args: [input],
      workflowId,
      taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (err) {
    // The id was used by a generation that already closed: attach to it rather than paying again.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle<typeof sora2Generation>(workflowId);
    throw err;
  }
}

/** Starts (or attaches) and waits for the result; failures arrive as WorkflowFailedError with a typed cause. */
export async function executeSora2Generation(
  client: Client,
  input: Sora2GenerationInput,
  options: StartSora2Options,
): Promise<Sora2GenerationResult> {
  const handle = await startSora2Generation(client, input, options);
  return handle.result();
}
