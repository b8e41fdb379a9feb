/**
 * The worker's Rivya settings as the RIVYA_* environment gives them: the schema (zod), its sentences
 * and the resolved settings object. resolveSora2Settings (resolve-settings.ts) is the one place that
 * reads an environment and lays the plugin's typed options over it; this module parses.
 *
 * Only the RIVYA_* variables this package knows are read; the environment object itself is never
 * kept. Error messages name the variable that is wrong and never repeat the value (so never the API
 * key, nor credentials in a URL). The resolved settings hold the API key out of sight: it is not an
 * own property, and JSON.stringify / util.inspect / console.log show it redacted.
 */
import { inspect } from 'node:util';
import { z } from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RIVYA_BASE_URL } from '../rivya/client';
import { Sora2SettingsError } from './config-error';
import { displayUrl, redactApiKey } from './shown-settings';

export { Sora2ConfigError, Sora2SettingsError } from './config-error';
export { checkReferenceDirectory, checkSaveDirectory } from './directory-checks';
export { displayUrl, redactApiKey } from './shown-settings';

/** Longest request timeout: 10 minutes (Node timers overflow to 1 ms above 2³¹−1 ms). */
export const MAX_REQUEST_TIMEOUT_MS = 600_000;
/** Highest accepted rate limit, in Rivya calls per second. */
export const MAX_CALLS_PER_SECOND = 10_000;
/** Largest accepted sticky workflow cache. */
export const MAX_CACHED_WORKFLOWS = 100_000;
/** Largest accepted RIVYA_SAVE_MAX_BYTES: 5 GiB, what a single S3 CopyObject writes. */
export const MAX_SAVE_BYTES = 5 * 1024 * 1024 * 1024;

/** Loopback hosts: the only ones a plain-http base URL may name (the key would cross the network in clear). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** RIVYA_BASE_URL's rules: an http(s) URL, no credentials, no query or fragment, https unless loopback. */
const baseUrlSchema = z.string({ invalid_type_error: 'must be a URL' }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a URL' });
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be an https URL' });
    return;
  }
  if (url.username || url.password) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'must not contain credentials (user:password@); the API key goes in RIVYA_API_KEY',
    });
  }
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must not have a query or fragment' });
  }
});

/**
 * Plain http sends the API key in clear: accepted for loopback hosts, and for hosts the operator
 * names in RIVYA_PLAINTEXT_HTTP_HOSTS (e.g. the simulator on compose's private network). Checked
 * after parsing, because it reads two variables.
 */
function plaintextProblem(settings: ParsedSettings): string | undefined {
  const url = new URL(settings.RIVYA_BASE_URL);
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return undefined;
  const allowed = (settings.RIVYA_PLAINTEXT_HTTP_HOSTS ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((host) => host.toLowerCase());
  if (allowed.includes(url.hostname.toLowerCase())) return undefined;
  return 'RIVYA_BASE_URL must be https (plain http is accepted only for localhost, 127.0.0.0/8, [::1] and the hosts named in RIVYA_PLAINTEXT_HTTP_HOSTS)';
}

interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  unit?: string;
}

/**
 * A number from a variable (text) or a typed option (number), checked to be finite and within
 * [min, max]. Text must be a plain decimal: no hex, exponent, Infinity or surrounding junk.
 */
function boundedNumber({ min, max, integer, unit }: NumberRule) {
  const kind = integer ? 'a whole number' : 'a number';
  const message = `must be ${kind} from ${min} to ${max}${unit ? ` (${unit})` : ''}`;
  return z.union([z.string(), z.number()], { errorMap: () => ({ message }) }).transform((raw, ctx) => {
    const text = typeof raw === 'string' ? raw.trim() : undefined;
    const value = typeof raw === 'number' ? raw : text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    }
    return value;
  });
}

const settingsSchema = z.object({
  RIVYA_API_KEY: z
    .string({ required_error: 'is required', invalid_type_error: 'must look like rvya_sk_<secret>' })
    .regex(/^rvya_sk_\S+$/, 'must look like rvya_sk_<secret>'),
  RIVYA_BASE_URL: baseUrlSchema.default(DEFAULT_RIVYA_BASE_URL),
  RIVYA_REQUEST_TIMEOUT_MS: boundedNumber({ min: 1, max: MAX_REQUEST_TIMEOUT_MS, integer: true, unit: 'milliseconds' }).default(
    DEFAULT_REQUEST_TIMEOUT_MS,
  ),
  RIVYA_REFERENCE_DIR: z.string({ invalid_type_error: 'must be a directory path' }).min(1, 'must be a directory path').optional(),
  RIVYA_TASK_QUEUE: z.string({ invalid_type_error: 'must be a task queue name' }).min(1, 'must be a task queue name').optional(),
  /** Rivya calls started per second across all workers of the task queue. */
  RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND: boundedNumber({
    min: 0.001,
    max: MAX_CALLS_PER_SECOND,
    integer: false,
    unit: 'calls per second',
  }).optional(),
  /** Rivya calls started per second by this worker. */
  RIVYA_MAX_WORKER_CALLS_PER_SECOND: boundedNumber({
    min: 0.001,
    max: MAX_CALLS_PER_SECOND,
    integer: false,
    unit: 'calls per second',
  }).optional(),
  /** Let reference URLs reach private/loopback hosts over http (local development only). */
  RIVYA_REFERENCE_URL_ALLOW_PRIVATE: z.enum(['true', 'false'], { errorMap: () => ({ message: 'must be true or false' }) }).default('false'),
  /**
   * Workflows kept in this worker's sticky cache (Temporal's maxCachedWorkflows). Unset: this
   * package's default (100, resolve-settings.ts says why); 0 or more as given; an evicted workflow
   * replays its history when it wakes.
   */
  RIVYA_WORKER_MAX_CACHED_WORKFLOWS: boundedNumber({ min: 0, max: MAX_CACHED_WORKFLOWS, integer: true, unit: 'workflows' }).optional(),
  /** Temporal's stickyQueueScheduleToStartTimeout, in ms. Unset: this package's default (resolve-settings.ts says why). */
  RIVYA_WORKER_STICKY_TIMEOUT_MS: boundedNumber({ min: 100, max: MAX_REQUEST_TIMEOUT_MS, integer: true, unit: 'milliseconds' }).optional(),
  /**
   * Generations that don't say complete by Rivya's signed webhooks, with status checks as a sparse
   * safety net. Turn on only where a receiver (`rivya-sora2 webhooks serve`) gets the deliveries.
   */
  RIVYA_WEBHOOKS: z
    .union([z.boolean(), z.enum(['true', 'false'])], { errorMap: () => ({ message: 'must be true or false' }) })
    .transform((value) => value === true || value === 'true')
    .default(false),
  /** Directory saves (`save.to` that is not s3://) are written below this directory only. Unset: they are refused. */
  RIVYA_SAVE_DIR: z.string({ invalid_type_error: 'must be a directory path' }).min(1, 'must be a directory path').optional(),
  /** Path-style S3 addressing (http://host/bucket/key): what S3-compatible servers on host:port need. */
  RIVYA_S3_FORCE_PATH_STYLE: z
    .union([z.boolean(), z.enum(['true', 'false'])], { errorMap: () => ({ message: 'must be true or false' }) })
    .transform((value) => value === true || value === 'true')
    .default(false),
  /** Largest video a save accepts; at most 5 GiB, the largest object one S3 copy writes. */
  RIVYA_SAVE_MAX_BYTES: boundedNumber({ min: 1024, max: MAX_SAVE_BYTES, integer: true, unit: 'bytes' }).optional(),
  /** Host names RIVYA_BASE_URL may reach over plain http besides loopback (space- or comma-separated). */
  RIVYA_PLAINTEXT_HTTP_HOSTS: z
    .string({ invalid_type_error: 'must be host names' })
    .max(1_000, 'must be at most 1000 characters')
    .optional(),
});

type ParsedSettings = z.output<typeof settingsSchema>;

/** The only variables ever read from an environment. */
const KNOWN_VARIABLES = Object.keys(settingsSchema.shape) as (keyof ParsedSettings)[];

/**
 * The resolved settings. RIVYA_API_KEY is a getter over a private field: it is readable by the code
 * that builds the client, but absent from JSON.stringify, util.inspect, Object.keys and spreads.
 */
export interface RivyaWorkerSettings extends Readonly<ParsedSettings> {
  /** The settings for logs and JSON: every value, the API key redacted. */
  toJSON(): Record<string, unknown>;
}

class ResolvedRivyaSettings {
  readonly #apiKey: string;
  // Assigned from the parsed settings in the constructor; `declare` emits no field initialisers.
  declare readonly RIVYA_BASE_URL: string;
  declare readonly RIVYA_REQUEST_TIMEOUT_MS: number;
  declare readonly RIVYA_REFERENCE_DIR?: string;
  declare readonly RIVYA_TASK_QUEUE?: string;
  declare readonly RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND?: number;
  declare readonly RIVYA_MAX_WORKER_CALLS_PER_SECOND?: number;
  declare readonly RIVYA_REFERENCE_URL_ALLOW_PRIVATE: 'true' | 'false';
  declare readonly RIVYA_WORKER_MAX_CACHED_WORKFLOWS?: number;
  declare readonly RIVYA_WORKER_STICKY_TIMEOUT_MS?: number;
  declare readonly RIVYA_PLAINTEXT_HTTP_HOSTS?: string;
  declare readonly RIVYA_WEBHOOKS: boolean;
  declare readonly RIVYA_SAVE_DIR?: string;
  declare readonly RIVYA_S3_FORCE_PATH_STYLE: boolean;
  declare readonly RIVYA_SAVE_MAX_BYTES?: number;

  constructor({ RIVYA_API_KEY, ...rest }: ParsedSettings) {
    this.#apiKey = RIVYA_API_KEY;
    Object.assign(this, rest);
    Object.freeze(this);
  }

  get RIVYA_API_KEY(): string {
    return this.#apiKey;
  }

  toJSON(): Record<string, unknown> {
    return {
      RIVYA_API_KEY: redactApiKey(this.#apiKey),
      ...Object.fromEntries(Object.entries(this)),
      RIVYA_BASE_URL: displayUrl(this.RIVYA_BASE_URL),
    };
  }

  [inspect.custom](): string {
    return `RivyaWorkerSettings ${inspect(this.toJSON())}`;
  }

  toString(): string {
    return `RivyaWorkerSettings ${JSON.stringify(this.toJSON())}`;
  }
}

/** Settings a program can pass as typed options instead of variables; each one wins over its variable. */
export interface RivyaSettingsOptions {
  /** Default: RIVYA_API_KEY from the worker's environment. Only the worker ever holds it. */
  apiKey?: string;
  /** Default: RIVYA_BASE_URL, else Rivya's production host. https only, except for loopback hosts. */
  baseUrl?: string;
  /** Default: RIVYA_REQUEST_TIMEOUT_MS, else 30 s. At most 10 minutes. */
  requestTimeoutMs?: number;
  /** Local references are read only from here. Default: RIVYA_REFERENCE_DIR; unset refuses paths. */
  referenceDirectory?: string;
  /** Generations that don't say complete by webhook (polling as a safety net). Default: RIVYA_WEBHOOKS, else false. */
  webhooks?: boolean;
  /** Directory saves (`save.to`) are written below this directory only. Default: RIVYA_SAVE_DIR; unset refuses them. */
  saveDirectory?: string;
}

/** Which variable each option stands for: validation and error messages are the variable's. */
const VARIABLE_OF_OPTION = {
  apiKey: 'RIVYA_API_KEY',
  baseUrl: 'RIVYA_BASE_URL',
  requestTimeoutMs: 'RIVYA_REQUEST_TIMEOUT_MS',
  referenceDirectory: 'RIVYA_REFERENCE_DIR',
  webhooks: 'RIVYA_WEBHOOKS',
  saveDirectory: 'RIVYA_SAVE_DIR',
} as const satisfies Record<keyof RivyaSettingsOptions, keyof ParsedSettings>;

/** Settings before parsing: variables (text) or typed values (options, already resolved settings). */
export type RawSettings = Partial<Record<keyof ParsedSettings, unknown>>;

/** The known RIVYA_* variables of an environment: the only ones ever read from it. */
export function knownVariablesOf(env: Record<string, string | undefined>): RawSettings {
  const raw: RawSettings = {};
  for (const variable of KNOWN_VARIABLES) {
    // An empty value (compose's `${VAR:-}`) means unset, not zero or an empty path.
    if (Object.prototype.hasOwnProperty.call(env, variable) && env[variable] !== '') raw[variable] = env[variable];
  }
  return raw;
}

/** Resolved settings as input to a new resolution: their typed values, never turned back into text. */
export function valuesOf(settings: RivyaWorkerSettings): RawSettings {
  return { ...settings, RIVYA_API_KEY: settings.RIVYA_API_KEY } as RawSettings;
}

/** `base` with the options laid over it under their variable's names; an empty value is unset. */
export function layOptionsOver(options: RivyaSettingsOptions, base: RawSettings): RawSettings {
  const raw: RawSettings = { ...base };
  for (const [option, variable] of Object.entries(VARIABLE_OF_OPTION)) {
    const value = options[option as keyof RivyaSettingsOptions];
    if (value !== undefined) raw[variable] = value;
  }
  // An empty value (compose's `${VAR:-}`) means unset, not zero or an empty path.
  for (const variable of KNOWN_VARIABLES) if (raw[variable] === '' || raw[variable] === undefined) delete raw[variable];
  return raw;
}

function parseSettings<S extends z.ZodTypeAny>(schema: S, raw: RawSettings): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // Messages are this module's own sentences (no zod wording, never the value that was given).
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
  const variables = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
  throw new Sora2SettingsError(`invalid Rivya settings: ${[...new Set(problems)].join('; ')}`, variables);
}

/** Every setting, the API key required. */
export function parseRivyaSettings(raw: RawSettings): RivyaWorkerSettings {
  const parsed = parseSettings(settingsSchema, raw);
  const plaintext = plaintextProblem(parsed);
  if (plaintext) throw new Sora2SettingsError(`invalid Rivya settings: ${plaintext}`, ['RIVYA_BASE_URL']);
  return new ResolvedRivyaSettings(parsed) as unknown as RivyaWorkerSettings;
}

/** What a ready client brings itself (key, URL, timeout): neither required nor read beside one. */
const CLIENT_OWNED = {
  RIVYA_API_KEY: true,
  RIVYA_BASE_URL: true,
  RIVYA_REQUEST_TIMEOUT_MS: true,
  RIVYA_PLAINTEXT_HTTP_HOSTS: true,
} as const;
export type SettingsBesideClient = Omit<ParsedSettings, keyof typeof CLIENT_OWNED>;

/** Every setting but those a ready client brings: for a worker given one. */
export function parseSettingsBesideClient(raw: RawSettings): SettingsBesideClient {
  return parseSettings(settingsSchema.omit(CLIENT_OWNED), raw);
}

/** What the save activity takes from the settings (RIVYA_SAVE_DIR, RIVYA_S3_FORCE_PATH_STYLE, RIVYA_SAVE_MAX_BYTES). */
export interface SaveSettingsFromEnv {
  saveDirectory?: string;
  s3ForcePathStyle: boolean;
  maxBytes?: number;
}

/** The save settings of parsed settings. */
export function saveSettingsFrom(
  settings: Pick<ParsedSettings, 'RIVYA_SAVE_DIR' | 'RIVYA_S3_FORCE_PATH_STYLE' | 'RIVYA_SAVE_MAX_BYTES'>,
): SaveSettingsFromEnv {
  return {
    saveDirectory: settings.RIVYA_SAVE_DIR,
    s3ForcePathStyle: settings.RIVYA_S3_FORCE_PATH_STYLE,
    maxBytes: settings.RIVYA_SAVE_MAX_BYTES,
  };
}

/** The settings from variables alone (the packaged worker and `rivya-sora2 dev`). */
export function readRivyaSettings(values: Record<string, string | undefined>): RivyaWorkerSettings {
  return parseRivyaSettings(knownVariablesOf(values));
}

/** @deprecated Use resolveSora2Settings (the `./worker` entry): the typed options over the RIVYA_* variables of `env`. */
export function resolveRivyaSettings(options: RivyaSettingsOptions, env: Record<string, string | undefined>): RivyaWorkerSettings {
  return parseRivyaSettings(layOptionsOver(options, knownVariablesOf(env)));
}

/** @deprecated Use resolveSora2Settings with a `client`: its `rivya.referenceDirectory`. */
export function resolveReferenceDirectory(options: RivyaSettingsOptions, env: Record<string, string | undefined>): string | undefined {
  const raw = layOptionsOver(options, knownVariablesOf(env));
  return parseSettings(settingsSchema.pick({ RIVYA_REFERENCE_DIR: true }), raw).RIVYA_REFERENCE_DIR;
}

/** @deprecated Use resolveSora2Settings with a `client`: its `rivya.save`. */
export function resolveSaveSettings(options: RivyaSettingsOptions, env: Record<string, string | undefined>): SaveSettingsFromEnv {
  const pick = { RIVYA_SAVE_DIR: true, RIVYA_S3_FORCE_PATH_STYLE: true, RIVYA_SAVE_MAX_BYTES: true } as const;
  return saveSettingsFrom(parseSettings(settingsSchema.pick(pick), layOptionsOver(options, knownVariablesOf(env))));
}

/**
 * A typed rate limit given to the plugin directly, checked by its variable's rule (`variable` names
 * it in the error). Undefined stays undefined.
 */
export function checkNumericOption(
  variable: 'RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND' | 'RIVYA_MAX_WORKER_CALLS_PER_SECOND' | 'RIVYA_WORKER_MAX_CACHED_WORKFLOWS',
  value: number | undefined,
  option: string,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = settingsSchema.shape[variable].safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Sora2SettingsError(`invalid Rivya settings: ${option} (${variable}) ${parsed.error.issues[0]?.message ?? 'is invalid'}`, [
    variable,
  ]);
}
