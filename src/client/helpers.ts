/**
 * Starting generations from a backend. The workflow id is the generation's identity: it is Rivya's
 * Idempotency-Key, so the same id must never mean two generations. Hence REJECT_DUPLICATE (no
 * second run under a used id) and USE_EXISTING (a retried start attaches to the running one).
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import {
  checkSora2Input,
  describeIssues,
  type InputIssue,
  type Sora2GenerationInput,
  type Sora2GenerationRequest,
} from '../../workflows/generation/input';
import type { sora2Generation, Sora2GenerationResult } from '../../workflows/generation/sora2-generation';
import { RIVYA_BATCH_ID, RIVYA_MODEL } from '../../workflows/common/search-attributes';
import type { sora2Batch, Sora2BatchResult } from '../../workflows/batch/sora2-batch';
import { checkSora2BatchInput, type Sora2BatchInput } from '../../workflows/batch/input';
import { workflowIdIssues } from '../../workflows/common/workflow-id';
import { retryWhileUnavailable, type TemporalUnavailableRetry } from './temporal-unavailable';

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

/**
 * The workflow id is already taken by a generation of different input. Attaching would hand back
 * that other generation's video; starting again is impossible (the id is Rivya's Idempotency-Key).
 */
export class Sora2WorkflowIdConflictError extends Error {
  override readonly name = 'Sora2WorkflowIdConflictError';
  constructor(
    readonly workflowId: string,
    readonly runId: string,
  ) {
    super(
      `workflow id ${workflowId} is already used by a run with different input (run ${runId}): start with another workflow id, or with the same input to attach`,
    );
  }
}

/** Memo key holding the sha256 of the generation's normalised input. */
export const SORA2_INPUT_HASH_MEMO_KEY = 'rivyaInputSha256';

export interface StartSora2Options extends Omit<
  WorkflowStartOptions<typeof sora2Generation>,
  'args' | 'taskQueue' | 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'
> {
  workflowId: string;
  /** Default: 'rivya-sora2'. */
  taskQueue?: string;
  /**
   * The short label in the run's summary (the Temporal UI's list), so runs can be told apart.
   * Default: `metadata.title` when given, else the prompt's first few words. `false` leaves it out
   * (e.g. when prompts are confidential: the summary is visible to everyone with UI access).
   */
  summaryLabel?: string | false;
  /**
   * How long to retry while Temporal answers "unavailable" (its database down, overloaded, out of
   * reach), before failing with Sora2TemporalUnavailableError. Default: 30 s. `false`: no retry.
   */
  unavailableRetry?: TemporalUnavailableRetry | false;
}

const LABEL_WORDS = 6;
const LABEL_MAX_CHARS = 60;

/** The label the summary shows (see StartSora2Options.summaryLabel); never more than 60 characters. */
export function summaryLabelOf(input: Sora2GenerationInput, option?: string | false): string | null {
  if (option === false) return null;
  const title = input.metadata?.title;
  const source =
    option ??
    (typeof title === 'string' && title.trim() ? title : input.prompt.split(/\s+/).filter(Boolean).slice(0, LABEL_WORDS).join(' '));
  const label = source.replace(/\s+/g, ' ').trim();
  if (!label) return null;
  return label.length > LABEL_MAX_CHARS ? `${label.slice(0, LABEL_MAX_CHARS - 1)}…` : label;
}

export function summaryOf(input: Sora2GenerationInput, option?: string | false): string {
  const label = summaryLabelOf(input, option);
  return label ? `${input.model ?? 'sora-2'}: ${label}` : `${input.model ?? 'sora-2'} generation`;
}

/** JSON with object keys sorted at every level: one text per value, whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of the checked input (defaults filled in): two inputs that mean the same generation hash the same. */
export function sora2InputHash(request: Sora2GenerationRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function detailsOf(input: Sora2GenerationInput): string {
  const params =
    Object.entries(input.params ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(', ') || 'defaults';
  const reference = input.reference ? ('path' in input.reference ? 'local file' : 'URL') : 'none';
  return [`**Model:** ${input.model ?? 'sora-2'}`, `**Params:** ${params}`, `**Reference:** ${reference}`].join('\n\n');
}

/** One start-or-attach: the workflow, its options, and the hash that tells this input from another. */
interface StartOrAttachSpec<W extends Workflow> {
  workflowType: string;
  options: WorkflowStartOptions<W> & { workflowId: string };
  /** Memo key the input's hash is stored under, and the hash. */
  hashMemoKey: string;
  inputHash: string;
}

/**
 * Starts the workflow, or attaches to the one under its id: USE_EXISTING hands back the running one
 * without saying so, and a closed one the reuse policy refuses (WorkflowExecutionAlreadyStartedError)
 * is attached to rather than run (and paid) again. The run's memo tells whether it is this input
 * (attach) or another one (Sora2WorkflowIdConflictError); runs started before the memo existed carry
 * no hash and are attached to. Retried while Temporal is unavailable: the id makes a retry attach.
 */
async function startOrAttach<W extends Workflow>(
  client: Client,
  spec: StartOrAttachSpec<W>,
  unavailableRetry: TemporalUnavailableRetry | false | undefined,
): Promise<WorkflowHandle<W>> {
  const { workflowId } = spec.options;
  const options = { ...spec.options, memo: { ...spec.options.memo, [spec.hashMemoKey]: spec.inputHash } };
  return retryWhileUnavailable(
    workflowId,
    async () => {
      let handle: WorkflowHandle<W>;
      try {
        handle = await client.workflow.start<W>(spec.workflowType, options);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        handle = client.workflow.getHandle<W>(workflowId);
      }
      const description = await handle.describe();
      const existingHash = description.memo?.[spec.hashMemoKey];
      if (typeof existingHash === 'string' && existingHash !== spec.inputHash)
        throw new Sora2WorkflowIdConflictError(workflowId, description.runId);
      return handle;
    },
    unavailableRetry,
  );
}

/** Validates, then starts — or attaches to the generation already started under this workflow id. */
export async function startSora2Generation(
  client: Client,
  input: Sora2GenerationInput,
  options: StartSora2Options,
): Promise<Sora2WorkflowHandle> {
  const checked = checkSora2Input(input);
  const issues = [...(checked.ok ? [] : checked.issues), ...workflowIdIssues(options.workflowId)];
  if (!checked.ok || issues.length > 0) throw new Sora2InputError(issues);
  const { workflowId, taskQueue = DEFAULT_SORA2_TASK_QUEUE, summaryLabel, unavailableRetry, ...rest } = options;
  const withSearchAttributes = checked.value.searchAttributes && rest.typedSearchAttributes === undefined;
  return startOrAttach<typeof sora2Generation>(
    client,
    {
      workflowType: SORA2_WORKFLOW_TYPE,
      hashMemoKey: SORA2_INPUT_HASH_MEMO_KEY,
      inputHash: sora2InputHash(checked.value),
      options: {
        staticSummary: summaryOf(input, summaryLabel),
        staticDetails: detailsOf(input),
        ...rest,
        ...(withSearchAttributes ? { typedSearchAttributes: [{ key: RIVYA_MODEL, value: checked.value.model }] } : {}),
        args: [input],
        workflowId,
        taskQueue,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
      },
    },
    unavailableRetry,
  );
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

export const SORA2_BATCH_WORKFLOW_TYPE = 'sora2Batch';
/** Memo key holding the sha256 of the batch's normalised input (settings and items). */
export const SORA2_BATCH_INPUT_HASH_MEMO_KEY = 'rivyaBatchInputSha256';

export type Sora2BatchHandle = WorkflowHandle<typeof sora2Batch>;

/** The batch input failed validation before anything was started (or paid for). */
export class Sora2BatchInputError extends Error {
  override readonly name = 'Sora2BatchInputError';
  constructor(readonly issues: InputIssue[]) {
    super(`invalid batch input: ${describeIssues(issues)}`);
  }
}

export interface StartSora2BatchOptions extends Omit<
  WorkflowStartOptions<typeof sora2Batch>,
  'args' | 'taskQueue' | 'workflowId' | 'workflowIdReusePolicy' | 'workflowIdConflictPolicy'
> {
  /** The batch's workflow id; each item runs as `<batchId>/<key>`. At most 63 characters. */
  batchId: string;
  /** Default: 'rivya-sora2' (the children run on the same queue unless the input says otherwise). */
  taskQueue?: string;
  /** Told about inputs Temporal would warn about (over 256 KB of JSON). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** As StartSora2Options.unavailableRetry. */
  unavailableRetry?: TemporalUnavailableRetry | false;
}

/**
 * Validates every item (nothing is started for a bad one), then starts the batch — or attaches to
 * the one running (or completed) under this id. A batch that failed, was cancelled or terminated
 * may be started again under its id: its items that already ran are collected, not paid again.
 * The same id with different items is refused, as for a generation.
 */
export async function startSora2Batch(client: Client, input: Sora2BatchInput, options: StartSora2BatchOptions): Promise<Sora2BatchHandle> {
  const {
    batchId,
    taskQueue = DEFAULT_SORA2_TASK_QUEUE,
    onWarning = (message: string) => process.emitWarning(message),
    unavailableRetry,
    ...rest
  } = options;
  const checked = checkSora2BatchInput(input, batchId);
  if (!checked.ok) throw new Sora2BatchInputError(checked.issues);
  for (const warning of checked.warnings) onWarning(warning);
  const inputHash = createHash('sha256')
    .update(canonicalJson({ settings: checked.settings, items: checked.items.map(({ key, input: item }) => ({ key, item })) }))
    .digest('hex');
  const withSearchAttributes = checked.settings.searchAttributes && rest.typedSearchAttributes === undefined;
  return startOrAttach<typeof sora2Batch>(
    client,
    {
      workflowType: SORA2_BATCH_WORKFLOW_TYPE,
      hashMemoKey: SORA2_BATCH_INPUT_HASH_MEMO_KEY,
      inputHash,
      options: {
        staticSummary: `batch of ${checked.items.length} generation(s)`,
        staticDetails: [
          `**Items:** ${checked.items.length}`,
          `**Concurrency:** ${checked.settings.concurrency}`,
          `**Budget:** ${checked.settings.budget ?? 'the wallet'}`,
          `**On failure:** ${checked.settings.onFailure}`,
        ].join('\n\n'),
        ...rest,
        ...(withSearchAttributes ? { typedSearchAttributes: [{ key: RIVYA_BATCH_ID, value: batchId }] } : {}),
        args: [input],
        workflowId: batchId,
        taskQueue,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
      },
    },
    unavailableRetry,
  );
}

/** Starts (or attaches) and waits for the batch's result: every item's outcome. */
export async function executeSora2Batch(
  client: Client,
  input: Sora2BatchInput,
  options: StartSora2BatchOptions,
): Promise<Sora2BatchResult> {
  const handle = await startSora2Batch(client, input, options);
  return handle.result();
}
