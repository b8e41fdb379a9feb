/**
 * A RivyaClient printed by a user's logger (console.log, util.inspect, JSON.stringify) shows neither
 * the API key nor credentials in its base URL. (Failed on the old client: `apiKey` was a TypeScript
 * `private`, a plain property at runtime, printed in full.)
 */
import { inspect } from 'node:util';
import { RivyaClient } from '../../src/rivya/client';
import { RivyaAccountClients } from '../../src/worker/account-clients';
import { requireRivya, resolveSora2Settings } from '../../src/worker/resolve-settings';

const KEY = 'rvya_sk_live_do_not_print_0123456789';

describe('a printed RivyaClient', () => {
  const client = new RivyaClient({ apiKey: KEY, baseUrl: 'https://user:hunter2@rivya.example/' });

  it.each([
    ['util.inspect', () => inspect(client, { showHidden: true, depth: 5 })],
    ['JSON.stringify', () => JSON.stringify(client)],
  ])('%s shows no key and no URL credentials', (_how, print) => {
    const printed = print();
    expect(printed).not.toContain(KEY);
    expect(printed).not.toContain('hunter2');
  });

  it('holds the key in no enumerable property either', () => {
    expect(String(Object.entries(client))).not.toContain(KEY);
  });

  it('still names where it talks to', () => {
    expect(inspect(client)).toContain('rivya.example');
  });
});

describe("a worker's clients by account, printed", () => {
  // Several keys in one worker (accounts / RIVYA_ACCOUNTS): none may print through the cache holding them.
  const OTHER = 'rvya_sk_live_other_account_0123456789';
  const accounts = requireRivya(resolveSora2Settings({ apiKey: KEY, accounts: { other: OTHER } }, {})).accounts;
  const clients = new RivyaAccountClients(new RivyaClient({ apiKey: KEY }), accounts, (c) => new RivyaClient(c));

  it.each([
    ['util.inspect', () => inspect([clients, accounts], { showHidden: true, depth: 8 })],
    ['JSON.stringify', () => JSON.stringify([clients, accounts])],
  ])('%s shows neither key, before and after a client was built', async (_how, print) => {
    for (const key of [KEY, OTHER]) expect(print()).not.toContain(key);
    await clients.clientFor('other');
    for (const key of [KEY, OTHER]) expect(print()).not.toContain(key);
  });
});
