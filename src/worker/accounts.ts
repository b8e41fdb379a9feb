/**
 * Which Rivya account pays: the worker's map from account names (the input's `account`) to API
 * keys. Keys come from the plugin's `accounts` option, from RIVYA_ACCOUNTS (JSON, the same shape),
 * or from an `apiKeyFor(name)` provider (a secret manager); an option wins over the variable for
 * the same name, and the map wins over the provider. Resolved once by resolveSora2Settings.
 *
 * The keys stay inside this module's objects: each account's connection is a RivyaWorkerSettings
 * (key behind a private field), and errors name the account, never repeat a key or the JSON text.
 */
import { inspect } from 'node:util';
import { checkAccountName } from '../contract/account';
import { redactKeyLikeTokens } from '../rivya/redact';
import { Sora2SettingsError } from './config-error';
import { parseRivyaSettings, type RawSettings, type RivyaWorkerSettings } from './settings';

/** One account's key, and its own API host if it is not the worker's RIVYA_BASE_URL. */
export type RivyaAccountConfig = string | { apiKey: string; baseUrl?: string };

/** `accounts` option / RIVYA_ACCOUNTS: account name → key (or key and base URL). */
export type RivyaAccountsOption = Readonly<Record<string, RivyaAccountConfig>>;

/**
 * Looks the key of a named account up at run time (a secret manager, a tenant table). Return
 * `undefined` for a name you do not know: the run then fails as UnknownAccount before anything
 * is paid. A throw is a passing fault: the activity retries.
 */
export type RivyaApiKeyProvider = (account: string) => string | undefined | Promise<string | undefined>;

/** The variable read for the accounts map. */
export const RIVYA_ACCOUNTS_ENV = 'RIVYA_ACCOUNTS';
/** More accounts than this belong in a provider (`apiKeyFor`), not in a variable. */
export const MAX_CONFIGURED_ACCOUNTS = 1_000;
/** RIVYA_ACCOUNTS is JSON of at most this many characters. */
export const MAX_ACCOUNTS_JSON_CHARS = 256 * 1024;

/** The accounts a worker knows by name; the keys out of sight (not own properties, redacted in JSON). */
export class RivyaAccounts {
  readonly #connections: ReadonlyMap<string, RivyaWorkerSettings>;
  readonly #provider: RivyaApiKeyProvider | undefined;

  constructor(connections: ReadonlyMap<string, RivyaWorkerSettings>, provider?: RivyaApiKeyProvider) {
    this.#connections = connections;
    this.#provider = provider;
    Object.freeze(this);
  }

  /** The configured names, sorted (the provider's are not known in advance). */
  get names(): string[] {
    return [...this.#connections.keys()].sort();
  }

  /** Whether a provider answers for names not in the map. */
  get hasProvider(): boolean {
    return this.#provider !== undefined;
  }

  /** Whether any account other than the default can be named. */
  get any(): boolean {
    return this.#connections.size > 0 || this.#provider !== undefined;
  }

  /** The configured account's connection (key, URL, timeout), or undefined. */
  connectionOf(name: string): RivyaWorkerSettings | undefined {
    return this.#connections.get(name);
  }

  get provider(): RivyaApiKeyProvider | undefined {
    return this.#provider;
  }

  toJSON(): Record<string, unknown> {
    return { names: this.names, provider: this.hasProvider };
  }

  [inspect.custom](): string {
    return `RivyaAccounts ${inspect(this.toJSON())}`;
  }
}

export const NO_ACCOUNTS = new RivyaAccounts(new Map());

/**
 * RIVYA_ACCOUNTS as an accounts map. The JSON text is never quoted back: a parse error's own
 * message (which quotes the text) is dropped, only the variable is named.
 */
export function parseAccountsVariable(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const fail = (why: string) => new Sora2SettingsError(`invalid Rivya settings: ${RIVYA_ACCOUNTS_ENV} ${why}`, [RIVYA_ACCOUNTS_ENV]);
  if (value.length > MAX_ACCOUNTS_JSON_CHARS) throw fail(`must be at most ${MAX_ACCOUNTS_JSON_CHARS} characters of JSON`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw fail('is not valid JSON (expected {"<account>": "rvya_sk_…" or {"apiKey": "rvya_sk_…", "baseUrl": "https://…"}})');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('must be a JSON object of account name → key');
  return parsed as Record<string, unknown>;
}

/**
 * The accounts of the variable and the option (the option wins per name), each validated like the
 * default connection (key format, https unless loopback or allowed) over the worker's other settings.
 */
export function resolveAccounts(
  fromOption: RivyaAccountsOption | undefined,
  fromVariable: Record<string, unknown> | undefined,
  base: RawSettings,
  provider: RivyaApiKeyProvider | undefined,
): RivyaAccounts {
  if (provider !== undefined && typeof provider !== 'function') {
    throw new Sora2SettingsError('invalid Rivya settings: apiKeyFor must be a function (account name → API key)', []);
  }
  const entries: [string, unknown, string][] = [
    ...Object.entries(fromVariable ?? {}).map(([name, config]): [string, unknown, string] => [name, config, RIVYA_ACCOUNTS_ENV]),
    ...Object.entries(fromOption ?? {}).map(([name, config]): [string, unknown, string] => [name, config, 'accounts']),
  ];
  const connections = new Map<string, RivyaWorkerSettings>();
  for (const [name, config, source] of entries) connections.set(name, connectionOf(name, config, source, base));
  if (connections.size > MAX_CONFIGURED_ACCOUNTS) {
    throw new Sora2SettingsError(
      `invalid Rivya settings: ${connections.size} accounts configured; at most ${MAX_CONFIGURED_ACCOUNTS} (use apiKeyFor for more)`,
      [RIVYA_ACCOUNTS_ENV],
    );
  }
  return connections.size === 0 && !provider ? NO_ACCOUNTS : new RivyaAccounts(connections, provider);
}

function connectionOf(name: string, config: unknown, source: string, base: RawSettings): RivyaWorkerSettings {
  const variables = source === RIVYA_ACCOUNTS_ENV ? [RIVYA_ACCOUNTS_ENV] : [];
  const named = checkAccountName(name);
  // The name is shown only once it is known to be a plain name (a pasted key is not).
  if (!named.ok) throw new Sora2SettingsError(`invalid Rivya settings: ${source}: an account name ${named.message}`, variables);
  if (typeof config === 'object' && config !== null) {
    const unknown = Object.keys(config).filter((field) => field !== 'apiKey' && field !== 'baseUrl');
    // Only the field names are said: a value may be a key under a misspelt field.
    if (unknown.length > 0) {
      throw new Sora2SettingsError(
        `invalid Rivya settings: ${source}.${name} has unknown fields (${unknown.filter((f) => /^[A-Za-z]{1,40}$/.test(f)).join(', ') || '…'}); expected apiKey and baseUrl`,
        variables,
      );
    }
  }
  const { apiKey, baseUrl } = typeof config === 'string' ? { apiKey: config, baseUrl: undefined } : objectConfig(config);
  if (typeof apiKey !== 'string') {
    throw new Sora2SettingsError(`invalid Rivya settings: ${source}.${name} needs an apiKey (rvya_sk_…)`, variables);
  }
  try {
    return parseRivyaSettings({ ...base, RIVYA_API_KEY: apiKey, ...(baseUrl !== undefined ? { RIVYA_BASE_URL: baseUrl } : {}) });
  } catch (err) {
    if (!(err instanceof Sora2SettingsError)) throw err;
    // The shared parser names the default's variables; here they are this account's fields.
    const why = err.message
      .replace(/^invalid Rivya settings: /, '')
      .replace(/RIVYA_API_KEY/g, 'apiKey')
      .replace(/RIVYA_BASE_URL/g, 'baseUrl');
    throw new Sora2SettingsError(`invalid Rivya settings: ${source}.${name}: ${redactKeyLikeTokens(why)}`, variables);
  }
}

function objectConfig(config: unknown): { apiKey: unknown; baseUrl: unknown } {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return { apiKey: undefined, baseUrl: undefined };
  const { apiKey, baseUrl } = config as { apiKey?: unknown; baseUrl?: unknown };
  return { apiKey, baseUrl };
}
