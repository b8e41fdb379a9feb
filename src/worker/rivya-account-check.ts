/**
 * The worker's first word with Rivya: `GET /api/v1/credits` with the worker's key, at start.
 * A wrong key or a base URL that refuses connections otherwise shows only later, as every
 * generation's create failing (a wrong key: a typed failure, nothing paid) or retrying for minutes
 * (an unreachable API). Said at start, in one sentence, the operator fixes it before anyone waits.
 */
import { RivyaApiError, RivyaNetworkError, RivyaTimeoutError, type RivyaClient } from '../rivya';
import { printable } from '../internal/printable';
import { displayUrl } from './shown-settings';

/** Long enough for a slow first TLS handshake; short enough not to hold up a start. */
export const ACCOUNT_CHECK_TIMEOUT_MS = 5_000;
/**
 * How long a generation's create keeps retrying an unreachable API before it fails: the create
 * activity's scheduleToCloseTimeout (10 min) after the upload's; said in the warning so an operator
 * knows what "retrying" will cost.
 */
export const CREATE_RETRY_BOUND_S = 600;

export type RivyaAccountCheck =
  | { kind: 'ok'; credits: number }
  /** 401/403: the key is wrong or revoked; no generation can succeed. */
  | { kind: 'key-refused'; status: number; code: string }
  /** Refused, reset, DNS, timed out: the API may be down or RIVYA_BASE_URL wrong. */
  | { kind: 'unreachable'; reason: string }
  /** Anything else (a 5xx, an odd answer): said, not judged. */
  | { kind: 'unexpected'; reason: string };

export async function checkRivyaAccount(client: RivyaClient, timeoutMs = ACCOUNT_CHECK_TIMEOUT_MS): Promise<RivyaAccountCheck> {
  try {
    const { current_credits } = await client.getCredits({ timeoutMs });
    return { kind: 'ok', credits: current_credits };
  } catch (err) {
    if (err instanceof RivyaApiError && (err.status === 401 || err.status === 403))
      return { kind: 'key-refused', status: err.status, code: err.code };
    if (err instanceof RivyaNetworkError) return { kind: 'unreachable', reason: err.causeCode ?? err.message };
    if (err instanceof RivyaTimeoutError) return { kind: 'unreachable', reason: `no answer within ${timeoutMs / 1000} s` };
    return { kind: 'unexpected', reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** The check as one log line and its level. `baseUrl` is shown without credentials. */
export function describeAccountCheck(check: RivyaAccountCheck, baseUrl: string): { level: 'info' | 'warn' | 'error'; message: string } {
  const api = `Rivya API ${printable(displayUrl(baseUrl))}`;
  switch (check.kind) {
    case 'ok':
      return { level: 'info', message: `${api}: key accepted, ${check.credits} credits in the wallet` };
    case 'key-refused':
      return {
        level: 'error',
        message: `${api} refused the API key (${check.status} ${printable(check.code)}): every generation would fail before paying — check RIVYA_API_KEY`,
      };
    case 'unreachable':
      return {
        level: 'warn',
        message: `${api} is not reachable (${printable(check.reason)}): generations will retry their create for up to ${CREATE_RETRY_BOUND_S / 60} min and then fail — check RIVYA_BASE_URL if this persists`,
      };
    case 'unexpected':
      return {
        level: 'warn',
        message: `${api} answered the start-up check unexpectedly (${printable(check.reason)}); the worker starts anyway`,
      };
  }
}
