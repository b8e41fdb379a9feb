/**
 * The batch input: one zod schema, used by the client helper (refuse before starting) and by the
 * batch workflow (refuse before anything is paid for), like the generation's input. Every item is
 * turned into the child generation's input here and checked by the generation's own schema, so a
 * batch accepts exactly what a single generation accepts. Workflow-safe: pure data and zod.
 */
import { z } from 'zod';
import { priceOf } from '../../src/contract/models';
import {
  accountNameSchema,
  checkSora2Input,
  utf8Length,
  type InputIssue,
  type Sora2GenerationInput,
  type SoraModel,
} from '../generation/input';
import { workflowIdIssues } from '../common/workflow-id';
import { approvalOptionsSchema } from '../generation/approval-input';

/**
 * Bounds on what a batch takes in. The binding one is the result: it lists every item, and a
 * workflow result (like its input, and the state carried across continue-as-new) is capped at
 * 2 MB by Temporal. Each item therefore reserves room for its outcome record while it waits
 * (`outcomeReserveBytes`), and the items still queued count with their own JSON: the sum stays
 * under `maxCarriedJsonBytes`, with room to spare under 2 MB for the rest of the state.
 */
export const BATCH_LIMITS = {
  /** Items in one batch, over its start and every addItems. */
  maxItems: 5_000,
  maxItemsPerStart: 5_000,
  maxItemsPerAdd: 1_000,
  /** The start input as JSON; Temporal's payload limit is 2 MB. */
  maxInputJsonBytes: 1024 * 1024,
  /** One addItems call's items as JSON. */
  maxAddJsonBytes: 512 * 1024,
  /** Temporal warns about payloads above 256 KB: the client helper says so. */
  warnInputJsonBytes: 256 * 1024,
  /** Queued items' JSON plus the room reserved for every outcome record (see above). */
  maxCarriedJsonBytes: 1_750_000,
  /** An item key becomes part of the child's workflow id (`<batchId>/<key>`, at most 128 characters). */
  maxKeyChars: 64,
  /** The batch id leaves room for `/` and the longest key inside Rivya's 128-character client_request_id. */
  maxBatchIdChars: 63,
  maxConcurrency: 500,
  /** Continue-as-new after this many children started in one run (or earlier, when the server suggests it). */
  maxChildrenPerRun: 1_000,
  maxSaveToChars: 512,
  /** Outcome records keep a short error message; the child's own history has the full one. */
  maxOutcomeMessageChars: 120,
} as const;

/** Letters, digits and `._:-`, starting with a letter or digit: safe in a workflow id, a file name and an S3 key. */
const ITEM_KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const keySchema = z
  .string()
  .min(1)
  .max(BATCH_LIMITS.maxKeyChars)
  .regex(ITEM_KEY, 'must be letters, digits and . _ : - (starting with a letter or digit)');

/**
 * One item: a generation's input (prompt, model, params, reference, metadata, ...) plus an optional
 * key. Its fields are merged over the batch's `defaults` and checked by the generation's schema.
 */
export const batchItemSchema = z.object({ key: keySchema.optional() }).passthrough();

const saveSchema = z
  .object({
    /** A local directory on the worker, or `s3://bucket/prefix`: each child saves its video there. */
    to: z.string().min(1).max(BATCH_LIMITS.maxSaveToChars),
  })
  .strict();

export const sora2BatchInputSchema = z
  .object({
    /** The items, each run as one sora2Generation child. */
    items: z.array(batchItemSchema).max(BATCH_LIMITS.maxItemsPerStart).default([]),
    /** One prompt × N variants: `item` run `count` times (keys `<item.key ?? "v">-<i>`). */
    variants: z
      .object({ count: z.number().int().min(1).max(BATCH_LIMITS.maxItemsPerStart), item: batchItemSchema })
      .strict()
      .optional(),
    /** Generation fields every item gets unless it sets them itself (polling, completion, model, params ...). */
    defaults: z.record(z.string(), z.unknown()).default({}),
    /** Credits the batch may commit; the wallet (read once at start) caps it too. Default: the wallet. */
    budget: z.number().int().min(0).optional(),
    /** Children in flight at once. */
    concurrency: z.number().int().min(1).max(BATCH_LIMITS.maxConcurrency).default(10),
    /** After an item fails: `continue` with the rest (default), or `stop` starting new ones. */
    onFailure: z.enum(['continue', 'stop']).default('continue'),
    /** When the batch stops (onFailure `stop`): let running children finish (default), or cancel them. */
    onStop: z.enum(['finish-running', 'cancel-running']).default('finish-running'),
    /** Save every video: handed to each child as `save: { to }`. */
    save: saveSchema.optional(),
    /** Task queue of the children. Default: the batch's own. */
    childTaskQueue: z.string().min(1).max(200).optional(),
    /**
     * The Rivya account the batch's wallet is read from, and that pays for every item that names
     * none itself (`defaults.account` or an item's own `account` win over it). Default: the worker's key.
     */
    account: accountNameSchema.optional(),
    /** One approval for the whole batch's estimated cost (Σ priceOf) before any child starts (batch/approval-gate.ts). */
    approval: approvalOptionsSchema.optional(),
    /** Set RivyaBatchId on the batch and its children (and let the children upsert theirs). */
    searchAttributes: z.boolean().default(true),
    /** Continue-as-new after this many children started in one run, to keep each run's history small. */
    maxChildrenPerRun: z.number().int().min(1).max(BATCH_LIMITS.maxChildrenPerRun).default(400),
  })
  .strict();

export type Sora2BatchInput = z.input<typeof sora2BatchInputSchema>;
export type Sora2BatchSettings = Omit<z.output<typeof sora2BatchInputSchema>, 'items' | 'variants'>;
export type Sora2BatchItem = z.input<typeof batchItemSchema> & Partial<Sora2GenerationInput>;

/** An item ready to run: its key, the child's input (checked), its price and what it weighs in the carried state. */
export interface PreparedItem {
  key: string;
  input: Sora2GenerationInput;
  model: SoraModel;
  price: number;
  /** Its JSON while queued plus the room reserved for its outcome record. */
  bytes: number;
}

export type BatchCheck =
  { ok: true; settings: Sora2BatchSettings; items: PreparedItem[]; warnings: string[] } | { ok: false; issues: InputIssue[] };

export function jsonBytesOf(value: unknown): number {
  try {
    return utf8Length(JSON.stringify(value) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The child workflow id of an item: also its Rivya Idempotency-Key, so one item pays for one task. */
export function childWorkflowId(batchId: string, key: string): string {
  return `${batchId}/${key}`;
}

/**
 * The room an item's outcome record may take in the result: fixed fields (status, task id capped
 * at 64, credits, an error capped at maxOutcomeMessageChars) plus its key and, when saving, a
 * location under `save.to` named after the child id (a longer one is shortened in the record).
 */
export function outcomeReserveBytes(key: string, saveTo: string | undefined, batchId: string): number {
  // The saved file is named after the child id, percent-encoded (up to 3 bytes a character), under
  // save.to — and, for a directory, under the worker's save root (allowed 256 bytes).
  const location = saveTo ? utf8Length(saveTo) + 3 * (batchId.length + 1 + key.length) + 256 + 16 : 0;
  return 320 + key.length + location;
}

export function batchIdIssues(batchId: string): InputIssue[] {
  const issues = workflowIdIssues(batchId).map((issue) => ({ ...issue, path: 'batchId' }));
  if (batchId.length > BATCH_LIMITS.maxBatchIdChars)
    issues.push({
      path: 'batchId',
      message: `must be at most ${BATCH_LIMITS.maxBatchIdChars} characters (children are "<batchId>/<key>", at most 128)`,
    });
  return issues;
}

/** The checked settings (everything but the items), or the issues. */
function checkSettings(input: unknown): { ok: true; value: z.output<typeof sora2BatchInputSchema> } | { ok: false; issues: InputIssue[] } {
  const parsed = sora2BatchInputSchema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message })) };
}

export interface PrepareContext {
  batchId: string;
  settings: Sora2BatchSettings;
  /** The index the first of these items gets as its default key (items added later continue the count). */
  firstIndex: number;
  /** Keys already in the batch (queued, running or done): a key names one item for the batch's whole life. */
  takenKeys: ReadonlySet<string>;
  /** Where the issues point: `items` at start, `addItems` for an update. */
  path: string;
}

/**
 * Each item merged over the defaults, given its key and save target, and checked by the
 * generation's own rules (input schema and workflow id): every bad item is named, none is dropped.
 */
export function prepareItems(
  raw: readonly z.input<typeof batchItemSchema>[],
  context: PrepareContext,
): { items: PreparedItem[]; issues: InputIssue[] } {
  const { batchId, settings, takenKeys, path } = context;
  const items: PreparedItem[] = [];
  const issues: InputIssue[] = [];
  const seen = new Set<string>();
  raw.forEach((item, index) => {
    const { key: givenKey, ...fields } = item;
    const key = givenKey ?? String(context.firstIndex + index);
    const where = `${path}.${index}`;
    if (takenKeys.has(key) || seen.has(key)) issues.push({ path: `${where}.key`, message: `duplicate item key "${key}"` });
    seen.add(key);
    const input = {
      ...(settings.account !== undefined ? { account: settings.account } : {}),
      ...settings.defaults,
      ...fields,
      ...(settings.save ? { save: { to: settings.save.to } } : {}),
      ...(settings.searchAttributes ? {} : { searchAttributes: false }),
    } as Sora2GenerationInput;
    const checked = checkSora2Input(input);
    const childIssues = [...(checked.ok ? [] : checked.issues), ...workflowIdIssues(childWorkflowId(batchId, key))];
    for (const issue of childIssues) issues.push({ path: `${where}.${issue.path}`, message: issue.message });
    if (!checked.ok) return;
    const price = priceOf(checked.value.model, checked.value.params as Record<string, string | undefined>);
    items.push({
      key,
      input,
      model: checked.value.model,
      price,
      bytes: jsonBytesOf(input) + key.length + outcomeReserveBytes(key, settings.save?.to, batchId),
    });
  });
  return { items, issues };
}

/** Expands `variants` into items: the same generation `count` times under distinct keys. */
function variantItems(variants: { count: number; item: z.input<typeof batchItemSchema> } | undefined): z.input<typeof batchItemSchema>[] {
  if (!variants) return [];
  const { key: base = 'v', ...fields } = variants.item;
  return Array.from({ length: variants.count }, (_, i) => ({ ...fields, key: `${base}-${i}` }));
}

/** The settings alone (a continued run's input carries no items: they are in its state). */
export function checkSora2BatchSettings(
  input: unknown,
  batchId: string,
): { ok: true; settings: Sora2BatchSettings } | { ok: false; issues: InputIssue[] } {
  const checked = checkSettings(input);
  const idIssues = batchIdIssues(batchId);
  if (!checked.ok || idIssues.length > 0) return { ok: false, issues: [...(checked.ok ? [] : checked.issues), ...idIssues] };
  const { items: _items, variants: _variants, ...settings } = checked.value;
  return { ok: true, settings };
}

/** Validates a batch's start input: settings, every item, the batch id, and the bounds. Every problem is reported. */
export function checkSora2BatchInput(input: unknown, batchId: string): BatchCheck {
  const size = jsonBytesOf(input);
  if (size > BATCH_LIMITS.maxInputJsonBytes) {
    const what = Number.isFinite(size) ? `${size} bytes of JSON` : 'not serialisable as JSON';
    return {
      ok: false,
      issues: [{ path: '(input)', message: `must be at most ${BATCH_LIMITS.maxInputJsonBytes} bytes of JSON (${what})` }],
    };
  }
  const checked = checkSettings(input);
  const idIssues = batchIdIssues(batchId);
  if (!checked.ok) return { ok: false, issues: [...checked.issues, ...idIssues] };
  const { items: rawItems, variants, ...settings } = checked.value;
  const all = [...rawItems, ...variantItems(variants)];
  const issues: InputIssue[] = [...idIssues];
  if (all.length === 0) issues.push({ path: 'items', message: 'a batch needs at least one item (items or variants)' });
  if (all.length > BATCH_LIMITS.maxItems) issues.push({ path: 'items', message: `at most ${BATCH_LIMITS.maxItems} items per batch` });
  const prepared = prepareItems(all, { batchId, settings, firstIndex: 0, takenKeys: new Set(), path: 'items' });
  issues.push(...prepared.issues);
  const carried = prepared.items.reduce((sum, item) => sum + item.bytes, 0);
  if (carried > BATCH_LIMITS.maxCarriedJsonBytes)
    issues.push({
      path: 'items',
      message: `too large: the items and their result records would take ~${carried} bytes, over ${BATCH_LIMITS.maxCarriedJsonBytes} (split the batch)`,
    });
  if (issues.length > 0) return { ok: false, issues };
  const warnings =
    size > BATCH_LIMITS.warnInputJsonBytes
      ? [`the batch input is ${size} bytes of JSON: Temporal warns above ${BATCH_LIMITS.warnInputJsonBytes}; consider addItems in chunks`]
      : [];
  return { ok: true, settings, items: prepared.items, warnings };
}

/** Σ price: what the items would cost if every one succeeded. */
export function totalPrice(items: readonly Pick<PreparedItem, 'price'>[]): number {
  return items.reduce((sum, item) => sum + item.price, 0);
}

/** Whose wallet the batch reads: its `account`, else its defaults' (items were checked with it), else the default key's. */
export function batchAccountOf(settings: Sora2BatchSettings): string | undefined {
  const fromDefaults = (settings.defaults as { account?: unknown }).account;
  return settings.account ?? (typeof fromDefaults === 'string' ? fromDefaults : undefined);
}

/**
 * The batch's start check: Σ price against min(budget, wallet). `wallet` undefined (a dry run that
 * did not read it) checks the budget alone. `short` names the limit that refuses, as the failure says it.
 */
export function batchStartCheck(
  items: readonly Pick<PreparedItem, 'price'>[],
  budget: number | undefined,
  wallet: number | undefined,
): { required: number; cap: number; short: string | undefined } {
  const required = totalPrice(items);
  const cap = Math.min(budget ?? Number.POSITIVE_INFINITY, wallet ?? Number.POSITIVE_INFINITY);
  if (required <= cap) return { required, cap, short: undefined };
  const byBudget = budget !== undefined && (wallet === undefined || budget < wallet);
  return { required, cap, short: byBudget ? `the budget of ${budget}` : `the wallet's ${wallet}` };
}
