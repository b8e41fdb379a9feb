/**
 * The Nexus contract other teams call a generation through: the service definition (name, the
 * `generate` operation, its input and output types), the rules its input must meet, and the failure
 * types a caller can branch on. Workflow-safe (nexus-rpc's definition helpers, zod, no I/O), so a
 * caller's workflow imports it from `rivya-sora2-temporal/workflow` for `createNexusServiceClient`.
 * The handler that implements it lives in src/nexus/.
 */
import * as nexus from 'nexus-rpc';
import { z } from 'zod';
import { FailureTypes } from './failures';
import type { Sora2GenerationResult } from '../generation/state';
import { checkSora2Input, type InputIssue, type Sora2GenerationInput, type Sora2GenerationRequest } from '../generation/input';

export const SORA2_NEXUS_SERVICE_NAME = 'rivya-sora2';

/** Longest `generationId` accepted: it is hashed into the workflow id, so only the bound matters. */
export const MAX_NEXUS_GENERATION_ID_CHARS = 256;

export interface Sora2NexusGenerateInput {
  /**
   * The generation, as `sora2Generation` takes it; references by https URL only, no compensations,
   * no `save` (the handler's `saveTo` option decides where a video is saved).
   */
  generation: Sora2GenerationInput;
  /**
   * The caller's own key for this generation. Two calls with the same key and the same input are one
   * generation (one payment), even when the caller re-issues the call (a reset or re-run caller
   * workflow gets a new Nexus request id). Without it, the Nexus request id is the key: the server's
   * retries of one call reuse it, a new call does not.
   */
  generationId?: string;
}

export const sora2NexusService = nexus.service(SORA2_NEXUS_SERVICE_NAME, {
  /** Runs `sora2Generation` and returns its result; cancelling the operation cancels the generation. */
  generate: nexus.operation<Sora2NexusGenerateInput, Sora2GenerationResult>(),
});

/**
 * ApplicationFailure types the handler puts under its HandlerError (the caller's
 * `NexusOperationFailure` → `HandlerError` → `ApplicationFailure`). The generation's own outcomes
 * (GenerationCancelled, GenerationFailed, …) arrive as the operation's failure, as from the workflow.
 */
export const NexusFailureTypes = {
  /** The input was refused before anything started or was paid for; details[0] is `{ issues }`. */
  ValidationFailed: FailureTypes.ValidationFailed,
  /** The generationId names a generation of different input, or one that has already ended. */
  GenerationIdConflict: 'GenerationIdConflict',
} as const;

const generateInputSchema = z
  .object({
    generation: z.unknown(),
    generationId: z
      .string()
      .refine((id) => id.trim().length > 0, 'must not be empty')
      .refine((id) => id.length <= MAX_NEXUS_GENERATION_ID_CHARS, `must be at most ${MAX_NEXUS_GENERATION_ID_CHARS} characters`)
      .optional(),
  })
  .strict();

export type NexusInputCheck =
  { ok: true; generation: Sora2GenerationRequest; generationId: string | undefined } | { ok: false; issues: InputIssue[] };

/**
 * Everything `checkSora2Input` checks, plus what a caller in another namespace may not ask for: a
 * reference `path` (a file on this worker's disk), `compensations` (activities registered on this
 * worker, run with the caller's arguments) and `save` (a write with the worker's file-system and AWS
 * rights: any directory under its save root, any bucket it may write). None belongs to the caller.
 */
export function checkSora2NexusInput(input: unknown): NexusInputCheck {
  const outer = generateInputSchema.safeParse(input);
  if (!outer.success) {
    return { ok: false, issues: outer.error.issues.map((issue) => ({ path: issue.path.join('.') || '(input)', message: issue.message })) };
  }
  const checked = checkSora2Input(outer.data.generation);
  const issues = checked.ok ? [] : checked.issues.map((issue) => ({ ...issue, path: prefixed(issue.path) }));
  const raw = outer.data.generation as
    { reference?: unknown; compensations?: unknown; save?: unknown; account?: unknown } | null | undefined;
  if (raw && typeof raw === 'object') {
    if (raw.reference && typeof raw.reference === 'object' && 'path' in raw.reference) {
      issues.push({
        path: 'generation.reference.path',
        message: "a file on the worker's disk is not the caller's to name: pass an https URL",
      });
    }
    if (Array.isArray(raw.compensations) && raw.compensations.length > 0) {
      issues.push({ path: 'generation.compensations', message: 'runs activities of the worker, not the caller: not accepted over Nexus' });
    }
    if (raw.account !== undefined) {
      // Whoever may call the endpoint would otherwise spend any account the worker holds a key for.
      issues.push({
        path: 'generation.account',
        message: "which account pays is not the caller's to choose: the worker's default key pays for Nexus generations",
      });
    }
    if (raw.save !== undefined) {
      issues.push({
        path: 'generation.save',
        message: "where the worker writes is not the caller's to choose: the Nexus endpoint's handler decides (its saveTo option)",
      });
    }
  }
  if (!checked.ok || issues.length > 0) return { ok: false, issues };
  return { ok: true, generation: checked.value, generationId: outer.data.generationId };
}

function prefixed(path: string): string {
  return path === '(input)' ? 'generation' : `generation.${path}`;
}
