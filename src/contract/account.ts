/**
 * Which Rivya account pays for a generation, as the input names it (`account`): a short name the
 * worker maps to an API key from its own configuration. The name goes into history and the
 * `RivyaAccount` search attribute; the key never does. Workflow-safe: pure string rules.
 */

export const ACCOUNT_NAME_LIMITS = {
  /** Long enough for a tenant or team id, short enough for a Keyword column and a log line. */
  maxChars: 64,
} as const;

/**
 * Letters, digits, `.`, `_` and `-`, starting with a letter or digit: safe in a visibility query,
 * a JSON key, a log line and a metric label without escaping. Case-sensitive.
 */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** An API key pasted where a name belongs would land in history: refused, and never repeated. */
const LOOKS_LIKE_A_KEY = /^rvya_/i;

export type AccountNameCheck = { ok: true } | { ok: false; message: string };

/** Whether `name` is a well-formed account name. The message never repeats the value. */
export function checkAccountName(name: unknown): AccountNameCheck {
  if (typeof name !== 'string') return { ok: false, message: 'must be an account name (text)' };
  if (LOOKS_LIKE_A_KEY.test(name)) {
    return { ok: false, message: 'looks like an API key: name the account (the worker maps names to keys), never pass the key' };
  }
  if (name.length === 0 || name.length > ACCOUNT_NAME_LIMITS.maxChars || !ACCOUNT_NAME_PATTERN.test(name)) {
    return {
      ok: false,
      message: `must be 1 to ${ACCOUNT_NAME_LIMITS.maxChars} letters, digits, ".", "_" or "-", starting with a letter or digit`,
    };
  }
  return { ok: true };
}
