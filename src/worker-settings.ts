/**
 * The worker's Rivya settings, from explicit options or the environment, validated with zod.
 * Error messages name the variable that is wrong and never repeat the API key.
 */
import { z } from 'zod';
import { DEFAULT_RIVYA_BASE_URL } from './rivya/client';

export class Sora2ConfigError extends Error {
  override readonly name = 'Sora2ConfigError';
}

const settingsSchema = z.object({
  RIVYA_API_KEY: z.string({ required_error: 'is required' }).regex(/^rvya_sk_\S+$/, 'must look like rvya_sk_<secret>'),
  RIVYA_BASE_URL: z
    .string()
    .url('must be a URL')
    .refine((url) => /^https?:\/\//.test(url), 'must be http(s)')
    .default(DEFAULT_RIVYA_BASE_URL),
  RIVYA_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  RIVYA_REFERENCE_DIR: z.string().min(1).optional(),
  RIVYA_TASK_QUEUE: z.string().min(1).optional(),
  /** Rivya calls started per second across all workers of the task queue. */
  RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND: z.coerce.number().positive().optional(),
  /** Rivya calls started per second by this worker. */
  RIVYA_MAX_WORKER_CALLS_PER_SECOND: z.coerce.number().positive().optional(),
  /** Let reference URLs reach private/loopback hosts over http (local development only). */
  RIVYA_REFERENCE_URL_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /**
   * Workflows kept in this worker's sticky cache (Temporal's maxCachedWorkflows). Unset: the SDK's
   * default, sized from the heap limit. Lower it to bound memory; evicted workflows replay on wake.
   */
  RIVYA_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
});

export type RivyaWorkerSettings = z.output<typeof settingsSchema>;

export function readRivyaSettings(values: Record<string, string | undefined>): RivyaWorkerSettings {
  // An empty variable (compose's `${VAR:-}`) means unset, not zero or an empty path.
  const present = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
  const parsed = settingsSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
  throw new Sora2ConfigError(`invalid Rivya settings: ${problems.join('; ')}`);
}
