/**
 * The worker's first word with Rivya: `GET /api/v1/credits` with the worker's key, at start.
 * A wrong key or a base URL that refuses connections otherwise shows only later, as every
 * generation's create failing (a wrong key: a typed failure, nothing paid) or retrying for minutes
 * (an unreachable API). Said at start, in one sentence, the operator fixes it before anyone waits.
 */
import { RivyaApiError, RivyaNetworkError, RivyaTimeoutError, type RivyaClient } from '../rivya';
import { printable } from '../internal/printable';
import { displayUrl } from './shown-settings';
import type { RivyaAccounts } from './accounts';

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

/**
 * The check as one log line and its level. `baseUrl` is shown without credentials. `account` names
 * a configured account (accounts / RIVYA_ACCOUNTS); absent, the line is about the default key.
 */
export function describeAccountCheck(
  check: RivyaAccountCheck,
  baseUrl: string,
  account?: string,
): { level: 'info' | 'warn' | 'error'; message: string } {
  const api = `Rivya API ${printable(displayUrl(baseUrl))}${account === undefined ? '' : ` (account "${printable(account)}")`}`;
  const keyHint = account === undefined ? 'RIVYA_API_KEY' : `the key of account "${printable(account)}" (accounts / RIVYA_ACCOUNTS)`;
  switch (check.kind) {
    case 'ok':
      return { level: 'info', message: `${api}: key accepted, ${check.credits} credits in the wallet` };
    case 'key-refused':
      return {
        level: 'error',
        message: `${api} refused the API key (${check.status} ${printable(check.code)}): every generation ${account === undefined ? '' : 'naming it '}would fail before paying — check ${keyHint}`,
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

/** Start-up checks of named accounts run this many at a time: a long list does not open a burst of connections. */
const ACCOUNT_CHECKS_AT_ONCE = 8;

/**
 * Each configured account's key checked like the default one (GET /credits, at most 5 s each), a few
 * at a time. A provider's accounts (`apiKeyFor`) are not known in advance and are not checked.
 * A refused named key is a warning, not a stop: the other accounts' generations can still run.
 */
export async function checkConfiguredAccounts(
  accounts: RivyaAccounts,
  clientOf: (connection: { apiKey: string; baseUrl: string; timeoutMs: number }) => RivyaClient,
  timeoutMs = ACCOUNT_CHECK_TIMEOUT_MS,
): Promise<{ level: 'info' | 'warn'; message: string }[]> {
  const names = accounts.names;
  const lines: { level: 'info' | 'warn'; message: string }[] = new Array(names.length);
  let next = 0;
  async function checkNext(): Promise<void> {
    while (next < names.length) {
      const index = next++;
      const name = names[index]!;
      const connection = accounts.connectionOf(name)!;
      const client = clientOf({
        apiKey: connection.RIVYA_API_KEY,
        baseUrl: connection.RIVYA_BASE_URL,
        timeoutMs: connection.RIVYA_REQUEST_TIMEOUT_MS,
      });
      const { level, message } = describeAccountCheck(await checkRivyaAccount(client, timeoutMs), connection.RIVYA_BASE_URL, name);
      lines[index] = { level: level === 'error' ? 'warn' : level, message };
    }
  }
  await Promise.all(Array.from({ length: Math.min(ACCOUNT_CHECKS_AT_ONCE, names.length) }, () => checkNext()));
  return lines;
}
