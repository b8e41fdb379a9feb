/**
 * One Rivya client per account a run names: the default client for runs that name none, and for a
 * named account a client built from its configured key (or the key provider's), kept in a bounded
 * cache so a busy worker builds each at most once per account in use, and a provider's key is asked
 * for again after a while (a rotated key takes effect without a restart).
 */
import { checkAccountName } from '../contract/account';
import { RivyaClient } from '../rivya/client';
import { redactKeyLikeTokens } from '../rivya/redact';
import type { RivyaAccounts } from './accounts';

/** How an activity gets the client of its run's account. */
export interface RivyaClientsByAccount {
  /** The client of `account`, or the default client when undefined. Throws UnknownAccountError for a name nobody knows. */
  clientFor(account: string | undefined): Promise<RivyaClient>;
}

/** Neither the worker's accounts nor its key provider know the name: nothing may be paid with it. */
export class UnknownAccountError extends Error {
  override readonly name = 'UnknownAccountError';
  constructor(readonly account: string) {
    super(
      `unknown Rivya account ${shownName(account)}: this worker has no API key for it (see its accounts option, RIVYA_ACCOUNTS or apiKeyFor)`,
    );
  }
}

/** The key provider failed (threw, or returned something that is not a key): said without any key. */
export class AccountKeyUnavailableError extends Error {
  override readonly name = 'AccountKeyUnavailableError';
  constructor(
    readonly account: string,
    message: string,
    /** A provider that answered with a non-key will answer the same on a retry. */
    readonly permanent: boolean,
  ) {
    super(`no API key for Rivya account ${shownName(account)}: ${redactKeyLikeTokens(message)}`);
  }
}

/** A name is quoted only when it is a well-formed one: anything else (a pasted key) is not repeated. */
function shownName(account: string): string {
  return checkAccountName(account).ok ? `"${account}"` : '(a malformed name)';
}

/** What a client of an account is built from (the worker's settings decide the rest: fetch, tracing). */
export interface AccountConnection {
  apiKey: string;
  baseUrl?: string;
  timeoutMs?: number;
}

export interface AccountClientsOptions {
  /** Clients kept at once; the least recently used goes first. Default 100. */
  maxCached?: number;
  /** How long a provider's key is used before the provider is asked again. Default 5 minutes. */
  providerKeyTtlMs?: number;
  /** The default connection's URL and timeout, for keys from the provider. */
  providerConnection?: Omit<AccountConnection, 'apiKey'>;
  now?: () => number;
}

const API_KEY = /^rvya_sk_\S+$/;

interface Cached {
  client: RivyaClient;
  /** Epoch ms after which a provider's key is fetched again; Infinity for a configured key. */
  freshUntil: number;
}

export class RivyaAccountClients implements RivyaClientsByAccount {
  readonly #cache = new Map<string, Cached>();
  readonly #pending = new Map<string, Promise<RivyaClient>>();
  readonly #maxCached: number;
  readonly #providerKeyTtlMs: number;
  readonly #now: () => number;

  constructor(
    private readonly defaultClient: RivyaClient,
    private readonly accounts: RivyaAccounts,
    private readonly build: (connection: AccountConnection) => RivyaClient,
    private readonly options: AccountClientsOptions = {},
  ) {
    this.#maxCached = Math.max(1, options.maxCached ?? 100);
    this.#providerKeyTtlMs = options.providerKeyTtlMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Clients held right now (for tests and the bound). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  async clientFor(account: string | undefined): Promise<RivyaClient> {
    if (account === undefined) return this.defaultClient;
    const cached = this.#cache.get(account);
    if (cached && cached.freshUntil > this.#now()) {
      // Most recently used last: the first entry is the one to drop.
      this.#cache.delete(account);
      this.#cache.set(account, cached);
      return cached.client;
    }
    const pending = this.#pending.get(account);
    if (pending) return pending;
    const building = this.#resolve(account).finally(() => this.#pending.delete(account));
    this.#pending.set(account, building);
    return building;
  }

  async #resolve(account: string): Promise<RivyaClient> {
    const configured = this.accounts.connectionOf(account);
    if (configured) {
      const client = this.build({
        apiKey: configured.RIVYA_API_KEY,
        baseUrl: configured.RIVYA_BASE_URL,
        timeoutMs: configured.RIVYA_REQUEST_TIMEOUT_MS,
      });
      return this.#keep(account, client, Number.POSITIVE_INFINITY);
    }
    const provider = this.accounts.provider;
    if (!provider) throw new UnknownAccountError(account);
    let key: unknown;
    try {
      key = await provider(account);
    } catch (err) {
      throw new AccountKeyUnavailableError(account, `the key provider failed: ${err instanceof Error ? err.message : String(err)}`, false);
    }
    if (key === undefined || key === null) throw new UnknownAccountError(account);
    if (typeof key !== 'string' || !API_KEY.test(key)) {
      throw new AccountKeyUnavailableError(account, 'the key provider returned something that is not an API key (rvya_sk_…)', true);
    }
    const client = this.build({ ...this.options.providerConnection, apiKey: key });
    return this.#keep(account, client, this.#now() + this.#providerKeyTtlMs);
  }

  #keep(account: string, client: RivyaClient, freshUntil: number): RivyaClient {
    this.#cache.delete(account);
    this.#cache.set(account, { client, freshUntil });
    while (this.#cache.size > this.#maxCached) this.#cache.delete(this.#cache.keys().next().value!);
    return client;
  }
}

/** A single client as a source: every named account is unknown to it. */
export function singleClientSource(client: RivyaClient): RivyaClientsByAccount {
  return {
    async clientFor(account) {
      if (account !== undefined) throw new UnknownAccountError(account);
      return client;
    },
  };
}

export function isClientsByAccount(value: unknown): value is RivyaClientsByAccount {
  return !(value instanceof RivyaClient) && typeof (value as { clientFor?: unknown } | null)?.clientFor === 'function';
}
