/**
 * The workflow input: one zod schema is the single source of truth, used by the client helper
 * (reject before starting) and by the workflow itself (reject before anything is paid for).
 * Workflow-safe: pure data and zod, no I/O.
 */
import { z } from 'zod';
import {
  ALL_SELECT_PARAMS,
  DEFAULT_SORA_MODEL,
  MAX_PROMPT_CHARS,
  MODEL_SPECS,
  SORA_MODELS,
  type SelectParamName,
  type SoraModel,
} from '../../src/contract/models';
import { parseSaveTarget } from '../../src/contract/save-target';
import { accountBudgetOptionsSchema } from '../budget/input';
import { checkAccountName } from '../../src/contract/account';
import { approvalOptionsSchema } from './approval-input';

/** A Rivya account's name (never its key): the generation's and the batch's `account`. */
export const accountNameSchema = z.string().superRefine((name, ctx) => {
  const checked = checkAccountName(name);
  if (!checked.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: checked.message });
});

/** One select param: its options (from the models table) and the message naming them. */
function selectParamSchema<T extends readonly [string, ...string[]]>(options: T) {
  return z.enum(options, { errorMap: () => ({ message: `must be one of ${options.map((o) => `"${o}"`).join(', ')}` }) });
}

/** The zod enum type for a literal options tuple, e.g. ZodEnum<["10", "15"]>. */
type EnumOf<Options> = Options extends readonly [infer First extends string, ...infer Rest extends string[]]
  ? z.ZodEnum<[First, ...Rest]>
  : never;

type SelectParamsShape = { [K in SelectParamName]: z.ZodOptional<EnumOf<(typeof ALL_SELECT_PARAMS)[K]['options']>> };

/**
 * Every param any model accepts, each optional, built from the models table: a param or option
 * added there is accepted here. Whether the chosen model has the param is checked further down.
 */
function selectParamsShape(): SelectParamsShape {
  const entries = Object.entries(ALL_SELECT_PARAMS).map(([name, spec]) => [name, selectParamSchema(spec.options).optional()]);
  return Object.fromEntries(entries) as SelectParamsShape;
}

const paramsSchema = z.object(selectParamsShape()).strict();

/** A reference is a path (read by the worker, confined to its reference directory) or an https URL. Never bytes. */
const referenceSchema = z.union([
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      url: z
        .string()
        .url()
        .refine((url) => url.startsWith('https://'), 'must be an https:// URL'),
    })
    .strict(),
]);

/**
 * Bounds on everything a caller hands in: the input lands in history (and, for compensations, in
 * each compensation's activity input), and polling settings decide how hard Rivya is called.
 */
export const INPUT_LIMITS = {
  /** The whole input as JSON (a 10,000-character prompt is at most ~30 KB of UTF-8). */
  maxInputJsonBytes: 64 * 1024,
  maxMetadataKeys: 32,
  /** Metadata is copied into every compensation's context: kept small so that copy stays cheap. */
  maxMetadataJsonBytes: 8 * 1024,
  maxCompensationArgsJsonBytes: 16 * 1024,
  /** Temporal fires timers at about 1 s resolution: shorter waits only add load, so they are raised to this. */
  minPollIntervalMs: 1_000,
  maxPollIntervalMs: 60 * 60_000,
  maxExpectedDurationMs: 24 * 60 * 60_000,
  maxDeadlineMs: 7 * 24 * 60 * 60_000,
} as const;

/** UTF-8 length without TextEncoder/Buffer (workflow-safe). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i += 1; // the low surrogate of the pair
    } else bytes += 3;
  }
  return bytes;
}

function jsonBytes(value: unknown): number {
  try {
    return utf8Length(JSON.stringify(value) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY; // cycles, BigInt: not JSON, not acceptable input
  }
}

const durationMs = z.number().int().positive();
/** A wait between status checks: raised to Temporal's timer resolution, never above the cap. */
const pollIntervalMs = durationMs
  .max(INPUT_LIMITS.maxPollIntervalMs, `must be at most ${INPUT_LIMITS.maxPollIntervalMs} ms`)
  .transform((ms) => Math.max(ms, INPUT_LIMITS.minPollIntervalMs));

export const pollingOptionsSchema = z
  .object({
    /** First status check after the create call. Rivya's guidance: ~2–3 s. */
    firstCheckAfterMs: pollIntervalMs.default(2_500),
    /** Densest polling, from the earliest plausible finish on (a little under Rivya's 5 s guidance). */
    minIntervalMs: pollIntervalMs.default(4_500),
    /** Sparsest polling, whatever happens. */
    maxIntervalMs: pollIntervalMs.default(60_000),
    /** How long the task is expected to take; defaults by model and n_frames. */
    expectedDurationMs: durationMs
      .max(INPUT_LIMITS.maxExpectedDurationMs, `must be at most ${INPUT_LIMITS.maxExpectedDurationMs} ms`)
      .optional(),
    /** Spread of each wait (deterministic per workflow and poll), so workflows started together don't poll in lockstep. */
    jitterFraction: z.number().min(0).max(0.5).default(0.1),
    /**
     * How the run waits between status checks. 'activity-retry': one status activity whose "not
     * finished yet" is a benign retry with the schedule's delay (no history per check);
     * 'timer': a durable timer and an activity per check. Default: 'activity-retry'.
     */
    style: z.enum(['activity-retry', 'timer']).optional(),
    /** Hard deadline from the workflow's start; passing it ends in GenerationTimedOut plus compensation. */
    deadlineMs: durationMs
      .max(INPUT_LIMITS.maxDeadlineMs, `must be at most ${INPUT_LIMITS.maxDeadlineMs} ms (7 days)`)
      .default(60 * 60_000),
  })
  .strict()
  .refine((p) => p.minIntervalMs <= p.maxIntervalMs, { message: 'minIntervalMs must not exceed maxIntervalMs', path: ['minIntervalMs'] });

/** How the run learns that the task ended: signed webhooks first (polling as a safety net), or polling alone. */
export const completionOptionsSchema = z
  .object({
    /** Complete by Rivya's signed webhooks; status checks become a sparse safety net. Default: the worker's setting. */
    webhooks: z.boolean().optional(),
    /** After a terminal webhook event, read the status once more and take that as the result. */
    confirmWebhook: z.boolean().default(false),
  })
  .strict();

/**
 * Save the video once the task succeeded: `to` is a directory relative to the worker's save root
 * (RIVYA_SAVE_DIR) or `s3://bucket/prefix`. Credentials never come from here: the worker's AWS chain.
 */
const saveSchema = z
  .object({
    to: z.string().superRefine((to, ctx) => {
      const parsed = parseSaveTarget(to);
      if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message });
    }),
  })
  .strict();

/** A pipeline's own undo step: an activity registered on the same worker, run in the saga. */
const compensationSchema = z
  .object({
    activity: z.string().min(1).max(200),
    /** JSON arguments passed after the compensation context. */
    args: z.array(z.unknown()).max(10).default([]),
    /** Which step's success registers it: right at the start (default), after the upload, or after the create. */
    after: z.enum(['start', 'reference-uploaded', 'task-created']).default('start'),
  })
  .strict();

export const sora2GenerationInputSchema = z
  .object({
    // `.max` (not a refine) so the published JSON Schema carries the bound as maxLength too.
    prompt: z
      .string()
      .max(MAX_PROMPT_CHARS, `must be at most ${MAX_PROMPT_CHARS} characters`)
      .refine((prompt) => prompt.trim().length > 0, 'must not be empty'),
    model: z.enum(SORA_MODELS).default(DEFAULT_SORA_MODEL),
    params: paramsSchema.default({}),
    reference: referenceSchema.optional(),
    polling: pollingOptionsSchema.default({}),
    completion: completionOptionsSchema.default({}),
    compensations: z
      .array(compensationSchema)
      .max(10)
      .refine((list) => jsonBytes(list.map((c) => c.args)) <= INPUT_LIMITS.maxCompensationArgsJsonBytes, {
        message: `compensation args must total at most ${INPUT_LIMITS.maxCompensationArgsJsonBytes} bytes of JSON`,
      })
      .default([]),
    /** Free metadata for pipelines, echoed in the result and the compensation context. */
    metadata: z
      .record(z.string().max(100), z.union([z.string().max(1_000), z.number(), z.boolean()]))
      .refine((m) => Object.keys(m).length <= INPUT_LIMITS.maxMetadataKeys, {
        message: `must have at most ${INPUT_LIMITS.maxMetadataKeys} keys`,
      })
      .refine((m) => jsonBytes(m) <= INPUT_LIMITS.maxMetadataJsonBytes, {
        message: `must be at most ${INPUT_LIMITS.maxMetadataJsonBytes} bytes of JSON`,
      })
      .default({}),
    /** Save the video to a directory or S3-compatible storage after the task succeeded. Default: not saved. */
    save: saveSchema.optional(),
    /** Wait for an approve/reject Update after the upload, before the paid create (approval-input.ts). Default: none. */
    approval: approvalOptionsSchema.optional(),
    /**
     * Which Rivya account pays: a name the worker maps to an API key (its `accounts` option,
     * RIVYA_ACCOUNTS or `apiKeyFor`). Unset: the worker's default key. Never the key itself.
     */
    account: accountNameSchema.optional(),
    /** Lease the price from an account-wide budget before the paid create (budget/input.ts). Default: none. */
    accountBudget: accountBudgetOptionsSchema.optional(),
    /** Upsert RivyaTaskId/RivyaTaskStatus/RivyaModel. Turn off on a cluster where they are not registered. */
    searchAttributes: z.boolean().default(true),
  })
  .strict()
  .superRefine((input, ctx) => {
    // A param of another model (today: `size` on sora-2) is refused rather than silently dropped.
    for (const [name, value] of Object.entries(input.params)) {
      if (value !== undefined && !(name in MODEL_SPECS[input.model].selectParams)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['params', name], message: `not a parameter of ${input.model}` });
      }
    }
  });

/** What callers pass (defaults optional). */
export type Sora2GenerationInput = z.input<typeof sora2GenerationInputSchema>;
/** What the workflow works with (defaults filled in). */
export type Sora2GenerationRequest = z.output<typeof sora2GenerationInputSchema>;
export type Sora2Reference = NonNullable<Sora2GenerationRequest['reference']>;
export type PollingOptions = Sora2GenerationRequest['polling'];
export type CompletionOptions = Sora2GenerationRequest['completion'];
export type PipelineCompensation = Sora2GenerationRequest['compensations'][number];
export type SaveOptions = NonNullable<Sora2GenerationRequest['save']>;

export interface InputIssue {
  path: string;
  message: string;
}

export type InputCheck = { ok: true; value: Sora2GenerationRequest } | { ok: false; issues: InputIssue[] };

/** Validates and normalises the input; every problem is reported, not just the first. */
export function checkSora2Input(input: unknown): InputCheck {
  // Size first: a 20 MB input is refused without walking it field by field.
  const size = jsonBytes(input);
  if (size > INPUT_LIMITS.maxInputJsonBytes) {
    const what = Number.isFinite(size) ? `${size} bytes of JSON` : 'not serialisable as JSON';
    return {
      ok: false,
      issues: [{ path: '(input)', message: `must be at most ${INPUT_LIMITS.maxInputJsonBytes} bytes of JSON (${what})` }],
    };
  }
  const parsed = sora2GenerationInputSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(input)', message: issue.message })),
  };
}

export function describeIssues(issues: readonly InputIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/** The full `params` object sent to Rivya: documented defaults filled in, `size` only for pro. */
export function rivyaParams(request: Sora2GenerationRequest): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, spec] of Object.entries(MODEL_SPECS[request.model].selectParams)) {
    params[key] = (request.params as Record<string, string | undefined>)[key] ?? spec.default;
  }
  return params;
}

export type { SoraModel };
