/** `rivya-sora2 generate`: start a generation (and with --wait, follow it to its result). */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { DEFAULT_SORA2_TASK_QUEUE, Sora2InputError, Sora2WorkflowIdConflictError, startSora2Generation } from '../../../src/client/helpers';
import type { Sora2GenerationInput } from '../../../workflows/generation/input';
import type { Sora2GenerationResult } from '../../../workflows/generation/sora2-generation';
import { ALL_SELECT_PARAMS, DEFAULT_SORA_MODEL, modelsWithParam, SORA_MODELS, type SelectParamName } from '../../../src/contract/models';
import { ExitCodes } from '../exit-codes';
import { exitCodeOf, formatFailure } from '../failure-report';
import { connectTemporal } from '../reach-temporal';
import { generationFailureOf } from '../../../src/client/generation-failure';
import { printable, printableJson } from '../printable';
import { parseCliDuration } from '../duration';
import { waitWithProgress } from '../wait';
import { runGenerateDryRun } from '../dry-run';

export interface GenerateOptions {
  prompt: string;
  reference?: string;
  model?: string;
  nFrames?: string;
  aspectRatio?: string;
  removeWatermark?: string;
  uploadMethod?: string;
  size?: string;
  workflowId?: string;
  taskQueue: string;
  deadline?: string;
  expectedDuration?: string;
  wait?: boolean;
  json?: boolean;
  /** A directory relative to the worker's save directory, or s3://bucket/prefix. */
  saveTo?: string;
  /** Which account pays: a name the worker maps to a key (its accounts / RIVYA_ACCOUNTS). */
  account?: string;
  /** Check, price and estimate only (tools/cli/dry-run.ts): nothing started, uploaded or paid. */
  dryRun?: boolean;
  /** Wait for `rivya-sora2 approve|reject` before paying: true, or the timeout (default 24 h). */
  requireApproval?: boolean | string;
  /** Lease the price from an account budget before paying: true (the account's budget), or its name. */
  budget?: boolean | string;
  /** 'fail' (default) or 'wait' when the budget has too few credits. */
  whenBudgetExhausted?: string;
}

export function generationInput(options: GenerateOptions): Sora2GenerationInput {
  const params = Object.fromEntries(
    Object.entries({
      n_frames: options.nFrames,
      aspect_ratio: options.aspectRatio,
      remove_watermark: options.removeWatermark,
      upload_method: options.uploadMethod,
      size: options.size,
    }).filter(([, value]) => value !== undefined),
  );
  const reference = options.reference
    ? /^[a-z]+:\/\//i.test(options.reference)
      ? { url: options.reference }
      : { path: options.reference }
    : undefined;
  return {
    prompt: options.prompt,
    ...(options.model ? { model: options.model as Sora2GenerationInput['model'] } : {}),
    params: params as Sora2GenerationInput['params'],
    ...(reference ? { reference } : {}),
    polling: {
      ...(options.deadline !== undefined ? { deadlineMs: parseCliDuration(options.deadline, '--deadline') } : {}),
      ...(options.expectedDuration !== undefined
        ? { expectedDurationMs: parseCliDuration(options.expectedDuration, '--expected-duration') }
        : {}),
    },
    ...(options.saveTo !== undefined ? { save: { to: options.saveTo } } : {}),
    ...(options.account !== undefined ? { account: options.account } : {}),
    ...(options.budget !== undefined && options.budget !== false
      ? {
          accountBudget: {
            ...(typeof options.budget === 'string' ? { name: options.budget } : {}),
            ...(options.whenBudgetExhausted !== undefined ? { whenExhausted: options.whenBudgetExhausted as 'wait' | 'fail' } : {}),
          },
        }
      : {}),
    ...(options.requireApproval !== undefined && options.requireApproval !== false
      ? {
          approval: {
            required: true,
            ...(typeof options.requireApproval === 'string'
              ? { timeoutMs: parseCliDuration(options.requireApproval, '--require-approval') }
              : {}),
          },
        }
      : {}),
  };
}

/** The success lines: the video URL and task id come from Rivya, so both are made printable. */
export function formatSuccess(result: Sora2GenerationResult): string[] {
  return [
    `succeeded: ${printable(result.videoUrl)}`,
    `  task ${printable(result.taskId)}, credits ${printable(result.credits.final)}, ${printable(result.polls)} status checks, ${(result.timings.totalMs / 1000).toFixed(1)}s`,
    // Where the worker saved it (a path on the worker's machine, or s3://bucket/key), and what it checked.
    ...(result.saved
      ? [
          `saved: ${printable(result.saved.location)} (${result.saved.bytes} bytes, ${printable(result.saved.contentType)}, sha256 ${printable(result.saved.sha256)})`,
        ]
      : []),
  ];
}

/** What Ctrl-C during `--wait` prints: only the waiting stops; the generation goes on. */
export function interruptedLines(workflowId: string): string[] {
  const id = printable(workflowId);
  return [
    `interrupted: only the waiting stopped; the generation ${id} continues on the workers`,
    `  follow it: rivya-sora2 status ${id}`,
    `  stop it:   rivya-sora2 cancel ${id}`,
  ];
}

/** Until the returned function is called, Ctrl-C (SIGINT) prints interruptedLines and exits 130. */
function onInterrupt(workflowId: string): () => void {
  const handler = () => {
    process.stderr.write('\n');
    for (const line of interruptedLines(workflowId)) console.error(line);
    process.exit(ExitCodes.interrupted);
  };
  process.once('SIGINT', handler);
  return () => process.removeListener('SIGINT', handler);
}

export async function runGenerate(options: GenerateOptions): Promise<number> {
  if (options.dryRun) return dryRunGenerate(options);
  const { client, close } = await connectTemporal();
  try {
    const workflowId = options.workflowId ?? `sora2-${randomUUID()}`;
    const handle = await startSora2Generation(client, generationInput(options), { workflowId, taskQueue: options.taskQueue });
    console.error(`started ${printable(workflowId)}`);
    if (!options.wait) {
      console.log(printable(workflowId));
      return ExitCodes.ok;
    }
    const stopListening = onInterrupt(workflowId);
    try {
      const result = await waitWithProgress(handle, true);
      if (options.json) console.log(printableJson(result));
      else for (const line of formatSuccess(result)) console.log(line);
      return ExitCodes.ok;
    } finally {
      stopListening();
    }
  } catch (err) {
    if (err instanceof Sora2WorkflowIdConflictError) {
      console.error(`error: ${printable(err.message)} (--workflow-id)`);
      return ExitCodes.invalid;
    }
    if (err instanceof Sora2InputError) {
      console.error(`error: ${printable(err.message)}`);
      return ExitCodes.invalid;
    }
    const report = generationFailureOf(err);
    if (!report) throw err;
    if (options.json) console.log(printableJson(report));
    for (const line of formatFailure(report)) console.error(line);
    return exitCodeOf(report);
  } finally {
    await close();
  }
}

/** The dry run: a refused input is said as a real run says it (exit 2). */
async function dryRunGenerate(options: GenerateOptions): Promise<number> {
  try {
    return await runGenerateDryRun(generationInput(options), options.workflowId, options.json === true);
  } catch (err) {
    if (!(err instanceof Sora2InputError)) throw err;
    console.error(`error: ${printable(err.message)}`);
    return ExitCodes.invalid;
  }
}

/** "a (default) or b", from the models table, so the help never lists an option Rivya lacks. */
function choicesHelp(options: readonly string[], defaultOption: string): string {
  const labelled = options.map((option) => (option === defaultOption ? `${option} (default)` : option));
  return `${labelled.slice(0, -1).join(', ')} or ${labelled[labelled.length - 1]}`;
}

/** Help for one select param; a param only some models take says which. */
function selectParamHelp(name: SelectParamName): string {
  const spec = ALL_SELECT_PARAMS[name];
  const models = modelsWithParam(name);
  const only = models.length < SORA_MODELS.length ? ` (${models.join(', ')} only)` : '';
  return `${choicesHelp(spec.options, spec.default)}${only}`;
}

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('start a Sora 2 generation')
    .requiredOption('-p, --prompt <text>', 'what the video shows')
    .option('-r, --reference <path|url>', "one reference image: a path inside the worker's reference directory, or an https URL")
    .option('-m, --model <model>', choicesHelp(SORA_MODELS, DEFAULT_SORA_MODEL))
    .option('--n-frames <n>', selectParamHelp('n_frames'))
    .option('--aspect-ratio <ratio>', selectParamHelp('aspect_ratio'))
    .option('--remove-watermark <bool>', selectParamHelp('remove_watermark'))
    .option('--upload-method <method>', selectParamHelp('upload_method'))
    .option('--size <size>', selectParamHelp('size'))
    .option('--workflow-id <id>', "the generation's identity (and Idempotency-Key); default: a new UUID")
    .option('--task-queue <queue>', 'task queue of the workers', process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE)
    .option('--deadline <duration>', 'give up (and compensate) after this long: seconds, or with a unit (45m)')
    .option('--expected-duration <duration>', 'how long the task should take (seconds, or 2m): the status checks densify around it')
    .option(
      '--save-to <dir|s3://bucket/prefix>',
      "save the video once done: a directory inside the worker's save directory (rivya-sora2 dev: where dev runs), or S3 via the worker's AWS environment",
    )
    .option('--account <name>', "the Rivya account that pays: a name in the worker's accounts (RIVYA_ACCOUNTS); default: its RIVYA_API_KEY")
    .option(
      '--require-approval [timeout]',
      'wait for `rivya-sora2 approve|reject <id>` before paying; optional timeout (seconds, or 2h; default 24h)',
    )
    .option(
      '--budget [name]',
      'lease the price from an account budget before paying (`rivya-sora2 budget`); default name: --account, else "default"',
    )
    .option(
      '--when-budget-exhausted <wait|fail>',
      'fail (default): end BudgetExceeded, nothing paid; wait: until credits free up or the deadline',
    )
    .option('-w, --wait', 'follow progress and print the result')
    .option(
      '--dry-run',
      "run every check a real run makes before paying, price it, read the wallet: nothing started or paid (the worker's settings from RIVYA_*)",
    )
    .option('--json', 'print the result (or failure) as JSON')
    .action(async (options: GenerateOptions) => {
      process.exitCode = await runGenerate(options);
    });
}
