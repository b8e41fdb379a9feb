/**
 * Temporal answers that mean "the server cannot serve this right now", not "this request is wrong":
 * retried within a bound by the start helpers, then reported as one typed, retryable error. A
 * backend that treats the raw answer as permanent would drop the start — and while its database is
 * down the server answers NamespaceNotFoundError, which reads as permanent.
 */

/**
 * Temporal did not serve a start (or attach) within the retry bound. Retryable: retrying later
 * with the same workflow id starts the generation or attaches to it, never a second paid run.
 */
export class Sora2TemporalUnavailableError extends Error {
  override readonly name = 'Sora2TemporalUnavailableError';
  readonly retryable = true;
  constructor(
    readonly workflowId: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    options: { cause: unknown },
  ) {
    super(
      `Temporal did not serve the start of ${workflowId} in ${attempts} attempt(s) over ${(elapsedMs / 1000).toFixed(1)} s ` +
        `(${describeUnavailable(options.cause)}); retry later with the same workflow id (it attaches, nothing is paid twice)`,
      options,
    );
  }
}

/** gRPC status codes that mean the server (or what it stands on) is unavailable for now. */
export const TRANSIENT_GRPC_CODES: Readonly<Record<number, string>> = {
  4: 'DEADLINE_EXCEEDED',
  8: 'RESOURCE_EXHAUSTED',
  14: 'UNAVAILABLE',
};

/** The error and its causes, outermost first (the client wraps gRPC errors in ServiceError). */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = err; current !== undefined && current !== null && chain.length < 5; current = (current as { cause?: unknown }).cause) {
    chain.push(current);
  }
  return chain;
}

/** The gRPC status name of a transient answer anywhere in the chain, else undefined. */
function transientGrpcCode(err: unknown): string | undefined {
  for (const link of causeChain(err)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'number' && TRANSIENT_GRPC_CODES[code]) return TRANSIENT_GRPC_CODES[code];
  }
  return undefined;
}

/**
 * True for the answers of a server that is down or overloaded: NamespaceNotFoundError (what the
 * server says while its persistence is unreachable; a namespace that really is missing is reported
 * the same way, after the bound), and gRPC UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED.
 * Retrying a start is safe: the workflow id makes it start-or-attach.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  // By name, not instanceof: the error may come from another copy of the SDK.
  if (causeChain(err).some((link) => link instanceof Error && link.name === 'NamespaceNotFoundError')) return true;
  return transientGrpcCode(err) !== undefined;
}

function describeUnavailable(err: unknown): string {
  if (err instanceof Error && err.name === 'NamespaceNotFoundError') return `${err.message}: the server's database may be down`;
  const code = transientGrpcCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

export interface TemporalUnavailableRetry {
  /** How long to keep retrying, from the first attempt. Default 30 000 ms. */
  totalMs?: number;
  /** The first wait; each next one doubles, up to maxDelayMs. Default 500 ms. */
  initialDelayMs?: number;
  /** Default 5 000 ms. */
  maxDelayMs?: number;
}

export const DEFAULT_TEMPORAL_UNAVAILABLE_RETRY: Required<TemporalUnavailableRetry> = {
  totalMs: 30_000,
  initialDelayMs: 500,
  maxDelayMs: 5_000,
};

/** The wait before attempt `attempt + 1` (attempt ≥ 1): doubling, capped, with up to 20 % jitter off. */
export function retryDelayMs(attempt: number, retry: Required<TemporalUnavailableRetry>, random: () => number = Math.random): number {
  const base = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - 0.2 * random()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails with an answer that is not "unavailable" (rethrown as
 * is), or the bound runs out (Sora2TemporalUnavailableError with the last answer as cause).
 * `false` turns the retry off: the first "unavailable" answer is reported as the typed error.
 */
export async function retryWhileUnavailable<T>(
  workflowId: string,
  attempt: () => Promise<T>,
  options: TemporalUnavailableRetry | false = {},
): Promise<T> {
  const retry =
    options === false ? { ...DEFAULT_TEMPORAL_UNAVAILABLE_RETRY, totalMs: 0 } : { ...DEFAULT_TEMPORAL_UNAVAILABLE_RETRY, ...options };
  const began = Date.now();
  for (let attempts = 1; ; attempts += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTemporalUnavailable(err)) throw err;
      const elapsed = Date.now() - began;
      const delay = retryDelayMs(attempts, retry);
      if (elapsed + delay > retry.totalMs) throw new Sora2TemporalUnavailableError(workflowId, attempts, elapsed, { cause: err });
      await sleep(delay);
    }
  }
}
