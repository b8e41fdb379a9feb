/**
 * Which account pays (#28 item 5), without a server: the input's account name rules, the resolver
 * of named keys (option, RIVYA_ACCOUNTS, provider), the per-account client cache, and that no key
 * or the JSON holding keys ever shows in an error, a log form or a failure.
 */
import { inspect } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { checkSora2Input } from '../../workflows/generation/input';
import { checkAccountName } from '../../src/contract/account';
import { resolveSora2Settings, requireRivya } from '../../src/worker/resolve-settings';
import { AccountKeyUnavailableError, RivyaAccountClients, UnknownAccountError } from '../../src/worker/account-clients';
import { Sora2SettingsError } from '../../src/worker/config-error';
import { RivyaClient } from '../../src/rivya';
import { redactKeyLikeTokens } from '../../src/rivya/redact';
import { clientOfRun, clientsByAccount } from '../../activities/run-client';
import { checkConfiguredAccounts } from '../../src/worker/rivya-account-check';
import { classifyActivityFailure, statusBeforeTaskOf } from '../../workflows/generation/failure-classification';
import { ActivityFailure } from '@temporalio/common';
import { FailureTypes } from '../../workflows/common/failures';
import { checkSora2NexusInput } from '../../workflows/common/nexus-service';

const DEFAULT_KEY = 'rvya_sk_default_key_0123456789abcdef';
const ACME_KEY = 'rvya_sk_acme_secret_0123456789abcdef';
const BETA_KEY = 'rvya_sk_beta_secret_0123456789abcdef';
const ENV = { RIVYA_API_KEY: DEFAULT_KEY, RIVYA_BASE_URL: 'http://127.0.0.1:9' };

function settingsError(run: () => unknown): Sora2SettingsError {
  const settings = run() as ReturnType<typeof resolveSora2Settings>;
  expect(settings.rivya).toBeInstanceOf(Sora2SettingsError);
  return settings.rivya as Sora2SettingsError;
}

describe('the account name in the input', () => {
  test.each(['acme', 'team-7', 'Tenant_42.eu', 'a'.repeat(64)])('%s is accepted', (name) => {
    expect(checkAccountName(name)).toEqual({ ok: true });
    expect(checkSora2Input({ prompt: 'x', account: name })).toMatchObject({ ok: true, value: { account: name } });
  });

  test.each(['', '-lead', 'has space', 'a'.repeat(65), "quote'", 'ünï'])('%j is refused', (name) => {
    const checked = checkSora2Input({ prompt: 'x', account: name });
    expect(checked.ok).toBe(false);
  });

  test('a pasted key is refused with a message that does not repeat it', () => {
    const checked = checkSora2Input({ prompt: 'x', account: ACME_KEY });
    expect(checked).toMatchObject({ ok: false, issues: [{ path: 'account', message: expect.stringMatching(/looks like an API key/) }] });
    expect(JSON.stringify(checked)).not.toContain(ACME_KEY);
  });

  // A Nexus caller (another namespace) naming the account would spend any wallet the worker holds a key for.
  test('over Nexus the caller cannot name the account: refused like save targets', () => {
    const checked = checkSora2NexusInput({ generation: { prompt: 'a kite', account: 'acme' } });
    expect(checked.ok ? undefined : checked.issues).toContainEqual({
      path: 'generation.account',
      message: expect.stringMatching(/not the caller's/),
    });
  });

  test('no account: the input is what it was (no field added)', () => {
    const checked = checkSora2Input({ prompt: 'x' });
    expect(checked.ok && 'account' in checked.value).toBe(false);
  });
});

describe('resolving named accounts', () => {
  test('from the option and RIVYA_ACCOUNTS, the option winning per name; keys out of sight', () => {
    const env = { ...ENV, RIVYA_ACCOUNTS: JSON.stringify({ acme: 'rvya_sk_old_acme_key_000000000000', beta: { apiKey: BETA_KEY } }) };
    const settings = resolveSora2Settings({ accounts: { acme: ACME_KEY } }, env);
    const { accounts } = requireRivya(settings);
    expect(accounts.names).toEqual(['acme', 'beta']);
    expect(accounts.connectionOf('acme')!.RIVYA_API_KEY).toBe(ACME_KEY);
    expect(accounts.connectionOf('beta')!.RIVYA_API_KEY).toBe(BETA_KEY);
    expect(accounts.connectionOf('beta')!.RIVYA_BASE_URL).toBe('http://127.0.0.1:9');
    for (const shown of [JSON.stringify(settings), inspect(settings, { depth: 10 }), String(accounts), JSON.stringify(accounts)]) {
      for (const key of [DEFAULT_KEY, ACME_KEY, BETA_KEY]) expect(shown).not.toContain(key);
    }
  });

  test('an account may have its own base URL, checked like RIVYA_BASE_URL', () => {
    const { accounts } = requireRivya(
      resolveSora2Settings({ accounts: { eu: { apiKey: ACME_KEY, baseUrl: 'https://eu.example.test' } } }, ENV),
    );
    expect(accounts.connectionOf('eu')!.RIVYA_BASE_URL).toBe('https://eu.example.test');
    const error = settingsError(() =>
      resolveSora2Settings({ accounts: { eu: { apiKey: ACME_KEY, baseUrl: 'http://eu.example.test' } } }, ENV),
    );
    expect(error.message).toMatch(/accounts\.eu: baseUrl must be https/);
  });

  test('a bad key is refused by the account it belongs to, without repeating it', () => {
    const error = settingsError(() => resolveSora2Settings({ accounts: { acme: 'sk_live_not_rivya_secret' } }, ENV));
    expect(error.message).toMatch(/accounts\.acme: apiKey must look like rvya_sk_<secret>/);
    expect(error.message).not.toContain('sk_live_not_rivya_secret');
  });

  test('a malformed name is refused; a key pasted as a name is not repeated', () => {
    expect(settingsError(() => resolveSora2Settings({ accounts: { 'has space': ACME_KEY } }, ENV)).message).toMatch(/account name must be/);
    const pasted = settingsError(() => resolveSora2Settings({ accounts: { [ACME_KEY]: BETA_KEY } }, ENV));
    expect(pasted.message).toMatch(/looks like an API key/);
    expect(pasted.message).not.toContain(ACME_KEY);
    expect(pasted.message).not.toContain(BETA_KEY);
  });

  test('unknown fields are named, their values never shown', () => {
    const error = settingsError(() => resolveSora2Settings({ accounts: { acme: { apikey: ACME_KEY } as never } }, ENV));
    expect(error.message).toMatch(/accounts\.acme has unknown fields \(apikey\)/);
    expect(error.message).not.toContain(ACME_KEY);
  });

  test('RIVYA_ACCOUNTS that is not JSON is refused without quoting the text (it holds keys)', () => {
    const error = settingsError(() => resolveSora2Settings({}, { ...ENV, RIVYA_ACCOUNTS: `{"acme": "${ACME_KEY}",}` }));
    expect(error.message).toMatch(/RIVYA_ACCOUNTS is not valid JSON/);
    expect(error.message).not.toContain(ACME_KEY);
    expect(error.message).not.toContain('rvya_sk_acme');
    expect(error.variables).toEqual(['RIVYA_ACCOUNTS']);
    expect(settingsError(() => resolveSora2Settings({}, { ...ENV, RIVYA_ACCOUNTS: '["x"]' })).message).toMatch(/must be a JSON object/);
  });

  test('none configured: no accounts, and an empty RIVYA_ACCOUNTS is unset', () => {
    expect(requireRivya(resolveSora2Settings({}, { ...ENV, RIVYA_ACCOUNTS: '' })).accounts.any).toBe(false);
  });

  test('a provider alone makes named accounts possible', () => {
    const { accounts } = requireRivya(resolveSora2Settings({ apiKeyFor: () => undefined }, ENV));
    expect(accounts.any).toBe(true);
    expect(accounts.names).toEqual([]);
    expect(accounts.hasProvider).toBe(true);
  });
});

describe('the client of a run', () => {
  const built: string[] = [];
  const build = ({ apiKey, baseUrl }: { apiKey: string; baseUrl?: string }) => {
    built.push(apiKey);
    return new RivyaClient({ apiKey, baseUrl });
  };
  beforeEach(() => (built.length = 0));
  const defaultClient = new RivyaClient({ apiKey: DEFAULT_KEY });

  function clientsWith(options: Parameters<typeof resolveSora2Settings>[0], extra = {}) {
    return new RivyaAccountClients(defaultClient, requireRivya(resolveSora2Settings(options, ENV)).accounts, build, extra);
  }

  test('no account: the default client; a configured one: its own, built once', async () => {
    const clients = clientsWith({ accounts: { acme: ACME_KEY } });
    expect(await clients.clientFor(undefined)).toBe(defaultClient);
    const acme = await clients.clientFor('acme');
    expect(await clients.clientFor('acme')).toBe(acme);
    expect(built).toEqual([ACME_KEY]);
  });

  test('an unknown name throws UnknownAccountError; the activity turns it into a non-retryable UnknownAccount', async () => {
    const clients = clientsWith({ accounts: { acme: ACME_KEY } });
    await expect(clients.clientFor('nobody')).rejects.toBeInstanceOf(UnknownAccountError);
    const failure = await clientOfRun(clients, 'nobody').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'UnknownAccount', nonRetryable: true, message: expect.stringContaining('"nobody"') });
  });

  test('a worker with one client knows no named account', async () => {
    const failure = await clientOfRun(clientsByAccount(defaultClient), 'acme').catch((err: unknown) => err);
    expect(failure).toMatchObject({ type: 'UnknownAccount', nonRetryable: true });
    expect(await clientOfRun(clientsByAccount(defaultClient), undefined)).toBe(defaultClient);
  });

  test("the provider's key is used, asked for again after its time, and concurrent asks share one call", async () => {
    let now = 0;
    let calls = 0;
    const clients = clientsWith(
      {
        apiKeyFor: async (name) => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 5));
          return name === 'beta' ? BETA_KEY : undefined;
        },
      },
      { providerKeyTtlMs: 1_000, now: () => now },
    );
    const [a, b] = await Promise.all([clients.clientFor('beta'), clients.clientFor('beta')]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    now = 999;
    expect(await clients.clientFor('beta')).toBe(a);
    now = 1_001;
    expect(await clients.clientFor('beta')).not.toBe(a);
    expect(calls).toBe(2);
    await expect(clients.clientFor('gamma')).rejects.toBeInstanceOf(UnknownAccountError);
  });

  test("a provider's failure is retryable and never shows a key; a non-key answer is permanent", async () => {
    const failing = clientsWith({
      apiKeyFor: () => {
        throw new Error(`vault said no for ${ACME_KEY}`);
      },
    });
    const failure = (await clientOfRun(failing, 'acme').catch((err: unknown) => err)) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'AccountKeyUnavailable', nonRetryable: false });
    expect(failure.message).not.toContain(ACME_KEY);
    const odd = clientsWith({ apiKeyFor: () => 'not-a-key' });
    await expect(odd.clientFor('acme')).rejects.toMatchObject({ permanent: true });
    await expect(odd.clientFor('acme')).rejects.toBeInstanceOf(AccountKeyUnavailableError);
  });

  test('the cache is bounded: the least recently used client goes first', async () => {
    const accounts = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`t${i}`, `rvya_sk_tenant_${i}_0123456789abcdef`]));
    const clients = clientsWith({ accounts }, { maxCached: 3 });
    for (const name of Object.keys(accounts)) await clients.clientFor(name);
    expect(clients.cachedCount).toBe(3);
    const t4 = await clients.clientFor('t4');
    expect(built).toHaveLength(5);
    await clients.clientFor('t0'); // evicted earlier: built again
    expect(built).toHaveLength(6);
    expect(await clients.clientFor('t4')).toBe(t4);
  });
});

describe('refusals and redaction', () => {
  test('UnknownAccount ends the run as its own typed outcome with its own status, nothing paid', () => {
    const cause = ApplicationFailure.create({ type: 'UnknownAccount', message: 'unknown Rivya account "x"', nonRetryable: true });
    const err = new ActivityFailure('activity failed', 'rivyaCreateGeneration', '1', 0 as never, undefined, cause);
    const classified = classifyActivityFailure(err);
    expect(classified).toMatchObject({ reason: 'rejected', type: FailureTypes.UnknownAccount, remoteError: { code: 'UnknownAccount' } });
    expect(statusBeforeTaskOf(classified.reason, classified.type)).toBe('unknown_account');
  });

  test('redactKeyLikeTokens removes any Rivya key, known or not, in plain text', () => {
    const text = `acme=${ACME_KEY}, beta:"${BETA_KEY}" (RVYA_SK_UPPER_CASE_KEY) rvya_sk_`;
    const redacted = redactKeyLikeTokens(text);
    expect(redacted).not.toMatch(/rvya_sk_\w/i);
    expect(redacted).toBe('acme=[redacted], beta:"[redacted]" ([redacted]) [redacted]');
  });

  test('the start-up check covers each configured account and names it, never its key', async () => {
    const { accounts } = requireRivya(resolveSora2Settings({ accounts: { acme: ACME_KEY, beta: BETA_KEY } }, ENV));
    const asked: string[] = [];
    const lines = await checkConfiguredAccounts(accounts, ({ apiKey }) => {
      asked.push(apiKey);
      return {
        getCredits: async () => {
          if (apiKey === BETA_KEY) throw Object.assign(new Error('refused'), { name: 'RivyaApiError' });
          return { current_credits: 42 };
        },
      } as unknown as RivyaClient;
    });
    expect(asked.sort()).toEqual([ACME_KEY, BETA_KEY].sort());
    expect(lines[0]).toMatchObject({ level: 'info', message: expect.stringMatching(/account "acme"\): key accepted, 42 credits/) });
    expect(lines[1]!.message).toMatch(/account "beta"/);
    for (const line of lines) for (const key of [ACME_KEY, BETA_KEY]) expect(line.message).not.toContain(key);
  });
});
