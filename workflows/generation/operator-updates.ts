/**
 * The rules of the operator Updates (messages.ts): pure functions, so the validators and the
 * handlers apply the same rule and tests can exercise it without a server. Workflow-safe.
 * A rule broken throws `InvalidOperatorUpdate`: in a validator that rejects the Update before
 * anything is written to history.
 */
import { ApplicationFailure } from '@temporalio/common';
import { INPUT_LIMITS } from './input';
import type { EffectivePolling, ExtendDeadlineRequest, SetPollingRequest } from './messages';

export const INVALID_OPERATOR_UPDATE = 'InvalidOperatorUpdate';

/** The refusal every operator Update's validator throws (generation and batch alike), so callers tell it by type. */
export function invalidOperatorUpdate(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, INVALID_OPERATOR_UPDATE);
}

function isWholeMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Only a request with exactly the named keys reaches the rules: anything else is a typo to refuse, not ignore. */
function checkKeys(request: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw invalidOperatorUpdate(`${what} takes an object`);
  const unknownKeys = Object.keys(request).filter((key) => !allowed.includes(key));
  if (unknownKeys.length > 0) throw invalidOperatorUpdate(`${what}: unknown field(s) ${unknownKeys.slice(0, 5).join(', ')}`);
  return request as Record<string, unknown>;
}

export interface DeadlineFacts {
  startedAtMs: number;
  deadlineAtMs: number;
  nowMs: number;
}

/**
 * The new deadline: later than the current one, and at most INPUT_LIMITS.maxDeadlineMs after the
 * generation started (the same bound the input has, so an extension cannot make a run that the
 * input could not have asked for).
 */
export function extendedDeadlineMs(request: ExtendDeadlineRequest, facts: DeadlineFacts): number {
  const fields = checkKeys(request, ['byMs', 'until'], 'extendDeadline');
  const { byMs, until } = fields;
  if ((byMs === undefined) === (until === undefined)) throw invalidOperatorUpdate('extendDeadline takes exactly one of byMs or until');
  let next: number;
  if (byMs !== undefined) {
    if (!isWholeMs(byMs) || byMs <= 0) throw invalidOperatorUpdate('byMs must be a positive whole number of milliseconds');
    if (byMs > INPUT_LIMITS.maxDeadlineMs) throw invalidOperatorUpdate(`byMs must be at most ${INPUT_LIMITS.maxDeadlineMs} ms (7 days)`);
    next = facts.deadlineAtMs + byMs;
  } else {
    next = typeof until === 'string' && until.length <= 64 ? Date.parse(until) : Number.NaN;
    if (!Number.isFinite(next)) throw invalidOperatorUpdate('until must be an ISO date-time');
  }
  if (next <= facts.deadlineAtMs) throw invalidOperatorUpdate('a deadline can only move later');
  if (next <= facts.nowMs) throw invalidOperatorUpdate('the new deadline has already passed');
  const latest = facts.startedAtMs + INPUT_LIMITS.maxDeadlineMs;
  if (next > latest) throw invalidOperatorUpdate(`the deadline can be at most 7 days after the start (${new Date(latest).toISOString()})`);
  return next;
}

/** The polling settings after the request, with the same bounds as the input's polling options. */
export function pollingAfter(request: SetPollingRequest, current: EffectivePolling): EffectivePolling {
  const fields = checkKeys(request, ['minIntervalMs', 'maxIntervalMs', 'webhooks'], 'setPolling');
  if (Object.keys(fields).length === 0)
    throw invalidOperatorUpdate('setPolling needs at least one of minIntervalMs, maxIntervalMs, webhooks');
  const interval = (name: 'minIntervalMs' | 'maxIntervalMs'): number => {
    const value = fields[name];
    if (value === undefined) return current[name];
    if (!isWholeMs(value) || value < INPUT_LIMITS.minPollIntervalMs || value > INPUT_LIMITS.maxPollIntervalMs)
      throw invalidOperatorUpdate(
        `${name} must be a whole number of ms from ${INPUT_LIMITS.minPollIntervalMs} to ${INPUT_LIMITS.maxPollIntervalMs}`,
      );
    return value;
  };
  const next = { minIntervalMs: interval('minIntervalMs'), maxIntervalMs: interval('maxIntervalMs'), webhooks: current.webhooks };
  if (next.minIntervalMs > next.maxIntervalMs) throw invalidOperatorUpdate('minIntervalMs must not exceed maxIntervalMs');
  if (fields.webhooks !== undefined) {
    if (typeof fields.webhooks !== 'boolean') throw invalidOperatorUpdate('webhooks must be true or false');
    next.webhooks = fields.webhooks;
  }
  return next;
}

/** The phases in which the task is being waited for: the only time a check can be asked for. */
export function requireWaiting(phase: string): void {
  if (phase !== 'polling') throw invalidOperatorUpdate(`nothing to check now: the generation is ${phase}`);
}

/** The phases after which nothing about the run can change any more. */
export function requireNotEnding(phase: string): void {
  if (['compensating', 'succeeded', 'failed', 'timed-out', 'cancelled'].includes(phase))
    throw invalidOperatorUpdate(`the generation is ${phase}: its deadline no longer matters`);
}
