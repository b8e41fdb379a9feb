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
  /**
   * Share of workflows started with `completion: { webhooks: true }` (the sparse safety-net
   * schedule); the rest with `webhooks: false` (the adaptive polling schedule). Every task's
   * terminal event is delivered to the one registered endpoint either way (endpoints are per
   * account), so a polling-mode workflow may still be woken by a webhook.
   */
  webhookShare: number;
  /** When the webhook receiver is closed, and how long it stays down before it comes back on its port. */
  receiverRestart: { atMs: number; downMs: number };
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
    webhookShare: 0.5,
    receiverRestart: { atMs: 4_000, downMs: 1_500 },
  },
  full: {
    name: 'full',
    workflows: 300,
    referenceShare: 0.25,
    killEveryMs: 8_000,
    secondWorker: { joinAtMs: 3_000, leaveAtMs: 25_000 },
    serverRestartAtMs: 15_000,
    timeoutMs: 600_000,
    webhookShare: 0.5,
    receiverRestart: { atMs: 9_000, downMs: 2_000 },
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

/**
 * Webhook settings of the simulator for the whole run: loopback allowed (the receiver is local),
 * a short S10-shaped retry schedule that outlasts the dev-server and receiver restarts (~45 s of
 * retries), an endpoint that is never disabled, and delivery faults per event (seeded). The
 * script serves one of each fault to the first seven events, so even the bounded profile sees
 * every kind; the rates apply after that (≈ 62 % of events get a fault).
 */
export const CHAOS_WEBHOOKS = {
  allowLoopbackUrls: true,
  timeoutMs: 10_000,
  retryDelaysMs: [500, 1_000, 2_000, 3_000, 5_000, 5_000, 5_000, 8_000, 15_000],
  disableAfterFailures: 1_000_000,
  faults: {
    script: ['forged_signature', 'drop', 'stale_replay', 'duplicate', 'unreachable', 'reorder', 'delay'],
    rates: {
      drop: 0.08,
      duplicate: 0.08,
      delay: 0.08,
      reorder: 0.08,
      forged_signature: 0.12,
      stale_replay: 0.1,
      unreachable: 0.08,
    },
    delayMs: 2_000,
    staleBySeconds: 600,
    unreachableAttempts: 2,
    reorderMaxHoldMs: 3_000,
  },
} as const;
