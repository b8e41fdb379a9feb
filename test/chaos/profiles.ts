/** How hard the chaos run pushes: a bounded profile for CI, a full one for `npm run test:chaos`. */
export interface ChaosProfile {
  name: 'ci' | 'full';
  workflows: number;
  /** Share of workflows that send a reference image (exercises the upload path under faults). */
  referenceShare: number;
  /** SIGKILL the main worker this often (then restart it a second later). */
  killEveryMs: number;
  /** When the second worker joins and leaves (SIGTERM). */
  secondWorker: { joinAtMs: number; leaveAtMs: number };
  /** When the dev server is stopped and started again on its SQLite file. */
  serverRestartAtMs: number;
  /** Give up waiting for terminal states after this long: anything still running counts as stuck. */
  timeoutMs: number;
}

export const CHAOS_PROFILES: Record<ChaosProfile['name'], ChaosProfile> = {
  ci: {
    name: 'ci',
    workflows: 40,
    referenceShare: 0.25,
    killEveryMs: 6_000,
    secondWorker: { joinAtMs: 2_000, leaveAtMs: 10_000 },
    serverRestartAtMs: 8_000,
    timeoutMs: 240_000,
  },
  full: {
    name: 'full',
    workflows: 300,
    referenceShare: 0.25,
    killEveryMs: 8_000,
    secondWorker: { joinAtMs: 3_000, leaveAtMs: 25_000 },
    serverRestartAtMs: 15_000,
    timeoutMs: 600_000,
  },
};

export function chaosProfile(): ChaosProfile {
  const name = (process.env.CHAOS_PROFILE ?? 'ci') as ChaosProfile['name'];
  const profile = CHAOS_PROFILES[name];
  if (!profile) throw new Error(`unknown CHAOS_PROFILE ${name}`);
  return { ...profile, workflows: Number(process.env.CHAOS_WORKFLOWS ?? profile.workflows) };
}

/** Faults switched on for the whole run (per-request probabilities, seeded). */
export const CHAOS_FAULTS = {
  createGeneration: {
    rates: { lost_response: 0.15, rate_limited: 0.05, rate_limited_no_retry_after: 0.05, unavailable: 0.05, reset: 0.05, slow: 0.03 },
    retryAfterSeconds: 1,
    slowMs: 1_500,
  },
  getGeneration: {
    rates: {
      rate_limited: 0.04,
      rate_limited_http_date: 0.02,
      rate_limited_no_retry_after: 0.04,
      server_error: 0.04,
      unavailable: 0.03,
      reset: 0.03,
      slow: 0.02,
      malformed_json: 0.02,
    },
    retryAfterSeconds: 1,
    slowMs: 1_500,
  },
  uploadFile: { rates: { server_error: 0.1, reset: 0.05, rate_limited: 0.05 }, retryAfterSeconds: 1 },
} as const;
