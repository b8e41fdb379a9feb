/**
 * Everything a test, the local run or a benchmark can steer in the simulator. The same zod schema
 * validates `startRivyaSimulator` options and `POST /_simulator/config` bodies.
 */
import { z } from 'zod';
import { validationFailed } from './http';
import { mergeWebhooksConfig, WEBHOOK_API_ENDPOINTS, webhooksConfigSchema } from './webhooks/config';

export const SIMULATED_ENDPOINTS = [
  'listModels',
  'uploadFile',
  'getFile',
  'createGeneration',
  'getGeneration',
  'getCredits',
  ...WEBHOOK_API_ENDPOINTS,
  'media',
] as const;
export type SimulatedEndpoint = (typeof SIMULATED_ENDPOINTS)[number];

export const FAULT_KINDS = [
  /** 429 with `Retry-After: <seconds>`. */
  'rate_limited',
  /** 429 with no Retry-After: the client must back off on its own. */
  'rate_limited_no_retry_after',
  /** 429 with an HTTP-date Retry-After. */
  'rate_limited_http_date',
  /** 500 with the error envelope. */
  'server_error',
  /** 503 public_api_disabled. */
  'unavailable',
  /** The connection is reset before the request is handled. */
  'reset',
  /** The request is handled and committed, then the connection drops: the caller never learns. */
  'lost_response',
  /** The answer is delayed by `slowMs`. */
  'slow',
  /** The request is handled, then a 200 with a body that is not JSON is sent. */
  'malformed_json',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const range = z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([min, max]) => min <= max, 'min > max');

const faultRules = z.object({
  /** Probability per request of each fault, drawn from the seeded PRNG. */
  rates: z.record(z.enum(FAULT_KINDS), z.number().min(0).max(1)).default({}),
  /** Faults served first, in order, one per request, before any rate applies: deterministic tests. */
  script: z.array(z.enum(FAULT_KINDS)).default([]),
  slowMs: z.number().nonnegative().default(2_000),
  retryAfterSeconds: z.number().nonnegative().default(1),
});
export type FaultRules = z.infer<typeof faultRules>;

export const apiKeySchema = z.object({
  key: z.string().startsWith('rvya_sk_'),
  account: z.string().min(1),
  /** Omitted: every scope. */
  scopes: z.array(z.string()).optional(),
  state: z.enum(['active', 'revoked', 'expired']).default('active'),
});
export type SimulatorApiKey = z.infer<typeof apiKeySchema>;

export const DEFAULT_SIMULATOR_API_KEY = 'rvya_sk_simulator_local_only';

export const simulatorConfigSchema = z.object({
  seed: z.number().int().default(1),
  apiKeys: z
    .array(apiKeySchema)
    .min(1)
    .default([{ key: DEFAULT_SIMULATOR_API_KEY, account: 'acct_local', state: 'active' }]),
  /** Starting wallet of each account, applied at start and on reset. */
  initialCredits: z.number().nonnegative().default(100_000),
  creditsByAccount: z.record(z.string(), z.number().nonnegative()).default({}),
  publicApiDisabled: z.boolean().default(false),
  /** Requests per second per API key before a genuine 429 (0 = unlimited). */
  rateLimitPerSecond: z.number().nonnegative().default(0),
  timing: z
    .object({
      queuedMs: range.default([200, 600]),
      /** Processing time by `n_frames`; `default` for anything else. */
      processingMs: z.record(z.string(), range).default({ default: [1_000, 2_000] }),
      /** Multiplies every duration: realistic minutes compressed into a benchmark's seconds. */
      timeScale: z.number().positive().default(1),
    })
    .default({}),
  /** Share of tasks that end `failed`. Prompts containing `[sim:fail]` / `[sim:succeed]` override it. */
  failureRate: z.number().min(0).max(1).default(0),
  faults: z.record(z.enum([...SIMULATED_ENDPOINTS, '*']), faultRules).default({}),
  /** Lifetime of uploaded files (S5 `expires_at`). */
  fileTtlMs: z
    .number()
    .positive()
    .default(24 * 3600_000),
  idempotencyTtlMs: z
    .number()
    .positive()
    .default(24 * 3600_000),
  /** Endpoints' URL rules, delivery timeout, retries and delivery faults (D8, S10). */
  webhooks: webhooksConfigSchema,
});
export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;

export const FORCE_FAIL_MARKER = '[sim:fail]';
export const FORCE_SUCCEED_MARKER = '[sim:succeed]';

/** Deep enough merge for our config: nested objects merge, arrays and scalars replace. */
export function mergeConfig(current: SimulatorConfig, patch: SimulatorConfigInput): SimulatorConfig {
  if (typeof patch !== 'object' || patch === null) throw validationFailed('config: must be an object');
  const faults: Record<string, Partial<FaultRules>> = { ...current.faults };
  for (const [endpoint, rules] of Object.entries(patch.faults ?? {})) {
    faults[endpoint] = { ...current.faults[endpoint as SimulatedEndpoint], ...rules };
  }
  const merged = {
    ...current,
    ...patch,
    timing: { ...current.timing, ...patch.timing },
    faults,
    webhooks: mergeWebhooksConfig(current.webhooks, patch.webhooks),
  };
  const parsed = simulatorConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw validationFailed(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}
