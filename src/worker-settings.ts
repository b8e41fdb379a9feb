/**
 * The worker's Rivya settings, resolved in one place: typed options (the plugin's) laid over the
 * RIVYA_* environment, validated with zod, defaults filled in from the client's own defaults.
 * Error messages name the variable that is wrong and never repeat the API key.
 */
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RIVYA_BASE_URL } from './rivya/client';

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
  // coerce: a variable arrives as text, a typed option as a number; both are checked alike.
  RIVYA_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_REQUEST_TIMEOUT_MS),
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

/** Settings a program can pass as typed options instead of variables; each one wins over its variable. */
export interface RivyaSettingsOptions {
  /** Default: RIVYA_API_KEY from the worker's environment. Only the worker ever holds it. */
  apiKey?: string;
  /** Default: RIVYA_BASE_URL, else Rivya's production host. */
  baseUrl?: string;
  /** Default: RIVYA_REQUEST_TIMEOUT_MS, else 30 s. */
  requestTimeoutMs?: number;
  /** Local references are read only from here. Default: RIVYA_REFERENCE_DIR; unset refuses paths. */
  referenceDirectory?: string;
}

/** Which variable each option stands for: validation and error messages are the variable's. */
const VARIABLE_OF_OPTION = {
  apiKey: 'RIVYA_API_KEY',
  baseUrl: 'RIVYA_BASE_URL',
  requestTimeoutMs: 'RIVYA_REQUEST_TIMEOUT_MS',
  referenceDirectory: 'RIVYA_REFERENCE_DIR',
} as const satisfies Record<keyof RivyaSettingsOptions, keyof RivyaWorkerSettings>;

type RawSettings = Record<string, string | number | undefined>;

/** The options laid over the environment, each option under its variable's name. */
function layOptionsOverEnv(options: RivyaSettingsOptions, env: Record<string, string | undefined>): RawSettings {
  const fromOptions = Object.entries(VARIABLE_OF_OPTION)
    .map(([option, variable]) => [variable, options[option as keyof RivyaSettingsOptions]] as const)
    .filter(([, value]) => value !== undefined);
  const merged: RawSettings = { ...env, ...Object.fromEntries(fromOptions) };
  // An empty value (compose's `${VAR:-}`) means unset, not zero or an empty path.
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== ''));
}

function parseSettings<S extends z.ZodTypeAny>(schema: S, raw: RawSettings): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
  throw new Sora2ConfigError(`invalid Rivya settings: ${problems.join('; ')}`);
}

/** All the worker's Rivya settings: typed options first, then RIVYA_* variables, then defaults. */
export function resolveRivyaSettings(options: RivyaSettingsOptions, env: Record<string, string | undefined>): RivyaWorkerSettings {
  return parseSettings(settingsSchema, layOptionsOverEnv(options, env));
}

/**
 * Only the reference directory, by the same rule: for a worker given a ready client, which brings
 * its own key, URL and timeout, so no other variable is required or read.
 */
export function resolveReferenceDirectory(options: RivyaSettingsOptions, env: Record<string, string | undefined>): string | undefined {
  return parseSettings(settingsSchema.pick({ RIVYA_REFERENCE_DIR: true }), layOptionsOverEnv(options, env)).RIVYA_REFERENCE_DIR;
}

/** The settings from variables alone (the packaged worker and `rivya-sora2 dev`). */
export function readRivyaSettings(values: Record<string, string | undefined>): RivyaWorkerSettings {
  return resolveRivyaSettings({}, values);
}
