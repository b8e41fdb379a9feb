/**
 * The simulator's `/_simulator/*` admin routes over real sockets: nothing without the admin token
 * (and nothing changes), the token works, no answer ever carries an API key, loopback by default.
 */
import { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import fetch from 'node-fetch';
import type { RivyaSimulator, StartSimulatorOptions } from '../../simulator/index';
import { OTHER_ACCOUNT_KEY, startTestSimulator, TEST_API_KEY } from '../helpers/simulator';

/** Every key `startTestSimulator` configures, plus the ones this file adds. */
const CONFIGURED_KEYS = [TEST_API_KEY, OTHER_ACCOUNT_KEY, 'rvya_sk_test_revoked', 'rvya_sk_test_expired', 'rvya_sk_test_read_only'];
const ADDED_KEY = 'rvya_sk_test_added_through_admin_api_7f3a';

const ADMIN_ROUTES: Array<{ method: 'GET' | 'POST'; path: string; body?: unknown }> = [
  { method: 'GET', path: '/_simulator/stats' },
  { method: 'GET', path: '/_simulator/requests' },
  { method: 'GET', path: '/_simulator/config' },
  { method: 'POST', path: '/_simulator/config', body: { failureRate: 1, apiKeys: [{ key: ADDED_KEY, account: 'acct_intruder' }] } },
  { method: 'POST', path: '/_simulator/reset', body: {} },
  { method: 'GET', path: '/_simulator/no-such-route' },
];

let simulator: RivyaSimulator;

/** Read loosely so this file also runs (and fails on its assertions) against a simulator without tokens. */
const adminTokenOf = (sim: RivyaSimulator): string => (sim as any).adminToken ?? 'none';
const start = (options: Record<string, unknown> = {}) => startTestSimulator(options as StartSimulatorOptions);

async function call(
  method: string,
  path: string,
  { body, authorization, sim = simulator }: { body?: unknown; authorization?: string; sim?: RivyaSimulator } = {},
): Promise<{ status: number; text: string; json: any }> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.Authorization = authorization;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sim.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const bearer = (token: string) => `Bearer ${token}`;

async function createTask(): Promise<void> {
  const response = await fetch(`${simulator.url}/api/v1/generations`, {
    method: 'POST',
    headers: { Authorization: bearer(TEST_API_KEY), 'Content-Type': 'application/json', 'Idempotency-Key': `admin-${Math.random()}` },
    body: JSON.stringify({
      model: 'sora-2',
      prompt: 'a lighthouse in fog',
      params: { n_frames: '10', aspect_ratio: 'landscape', remove_watermark: 'false', upload_method: 's3' },
    }),
  });
  expect(response.status).toBe(202);
}

function expectNoSecrets(text: string, extra: string[] = []): void {
  for (const secret of [...CONFIGURED_KEYS, ADDED_KEY, adminTokenOf(simulator), ...extra]) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  simulator = await start();
});
beforeEach(() => simulator.reset());
afterAll(() => simulator?.close());

describe('without the admin token', () => {
  const wrongTokens = (): Array<[label: string, authorization: string | undefined]> => {
    const token = adminTokenOf(simulator);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    return [
      ['no Authorization header', undefined],
      ['an empty Bearer', 'Bearer '],
      ['a wrong token of the same length', bearer(flipped)],
      ['the token with a suffix', bearer(`${token}x`)],
      ['a prefix of the token', bearer(token.slice(0, -4))],
      ['an API key', bearer(TEST_API_KEY)],
      ['the token under another scheme', `Basic ${token}`],
      ['the bare token', token],
    ];
  };

  test.each(ADMIN_ROUTES)('$method $path → 401 for every missing or wrong token, and nothing changes', async ({ method, path, body }) => {
    await createTask();
    const configBefore = structuredClone(simulator.config());
    const tasksBefore = simulator.stats().tasks.length;
    const answers = new Set<string>();
    for (const [label, authorization] of wrongTokens()) {
      const response = await call(method, path, { body, authorization });
      expect({ label, status: response.status }).toEqual({ label, status: 401 });
      expect(response.json?.error?.code).toBe('admin_unauthorized');
      // The same answer whatever was sent: nothing to learn from it, and no data.
      answers.add(JSON.stringify({ code: response.json.error.code, message: response.json.error.message }));
      expect(Object.keys(response.json)).toEqual(['error']);
      expectNoSecrets(response.text);
    }
    expect(answers.size).toBe(1);
    expect(simulator.config()).toEqual(configBefore);
    expect(simulator.stats().tasks).toHaveLength(tasksBefore);
    // The key the refused POST tried to add does not work.
    const credits = await fetch(`${simulator.url}/api/v1/credits`, { headers: { Authorization: bearer(ADDED_KEY) } });
    expect(credits.status).toBe(401);
  });
});

describe('with the admin token', () => {
  test('the token is generated per start, looks like rvya_sim_admin_…, and differs between simulators', async () => {
    const other = await start();
    try {
      expect(adminTokenOf(simulator)).toMatch(/^rvya_sim_admin_[A-Za-z0-9_-]{40,}$/);
      expect(adminTokenOf(other)).toMatch(/^rvya_sim_admin_/);
      expect(adminTokenOf(other)).not.toBe(adminTokenOf(simulator));
      // One simulator's token opens nothing on another.
      expect((await call('GET', '/_simulator/stats', { sim: other, authorization: bearer(adminTokenOf(simulator)) })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test('stats, requests, config and reset work', async () => {
    const auth = bearer(adminTokenOf(simulator));
    await createTask();
    const stats = await call('GET', '/_simulator/stats', { authorization: auth });
    expect(stats.status).toBe(200);
    expect(stats.json.tasks).toHaveLength(1);
    const requests = await call('GET', '/_simulator/requests', { authorization: auth });
    expect(requests.status).toBe(200);
    expect(requests.json).toEqual([expect.objectContaining({ endpoint: 'createGeneration', status: 202 })]);

    const configured = await call('POST', '/_simulator/config', {
      authorization: auth,
      body: { faults: { getCredits: { script: ['unavailable'] } } },
    });
    expect(configured.status).toBe(200);
    const credits = () =>
      fetch(`${simulator.url}/api/v1/credits`, { headers: { Authorization: bearer(TEST_API_KEY) } }).then((r) => r.status);
    expect(await credits()).toBe(503);
    expect(await credits()).toBe(200);

    const reset = await call('POST', '/_simulator/reset', { authorization: auth, body: {} });
    expect(reset.status).toBe(200);
    expect(simulator.stats().tasks).toHaveLength(0);
    // Unknown admin paths are a plain 404 once authorised.
    expect((await call('GET', '/_simulator/no-such-route', { authorization: auth })).status).toBe(404);
  });

  test('in-process methods need no token', async () => {
    await createTask();
    expect(simulator.stats().tasks).toHaveLength(1);
    expect(simulator.configure({ failureRate: 0.5 }).failureRate).toBe(0.5);
    simulator.reset();
    expect(simulator.stats().tasks).toHaveLength(0);
  });

  test('a token given as the adminToken option or in RIVYA_SIMULATOR_ADMIN_TOKEN is the one required', async () => {
    const fixed = 'rvya_sim_admin_fixed_token_for_tests_0001';
    const byOption = await start({ adminToken: fixed });
    const previous = process.env.RIVYA_SIMULATOR_ADMIN_TOKEN;
    process.env.RIVYA_SIMULATOR_ADMIN_TOKEN = 'rvya_sim_admin_from_the_environment_0002';
    let byEnv: RivyaSimulator | undefined;
    try {
      byEnv = await start();
      expect(adminTokenOf(byOption)).toBe(fixed);
      expect((await call('GET', '/_simulator/stats', { sim: byOption, authorization: bearer(fixed) })).status).toBe(200);
      expect(
        (await call('GET', '/_simulator/stats', { sim: byEnv, authorization: bearer('rvya_sim_admin_from_the_environment_0002') })).status,
      ).toBe(200);
      expect((await call('GET', '/_simulator/stats', { sim: byEnv })).status).toBe(401);
    } finally {
      if (previous === undefined) delete process.env.RIVYA_SIMULATOR_ADMIN_TOKEN;
      else process.env.RIVYA_SIMULATOR_ADMIN_TOKEN = previous;
      await byOption.close();
      await byEnv?.close();
    }
  });

  test('a weak or key-like admin token is refused at start, without echoing it', async () => {
    for (const adminToken of ['short', 'has spaces in the admin token', 'rvya_sk_looks_like_an_api_key_123']) {
      const refusal = await start({ adminToken }).then(
        async (started) => {
          await started.close();
          return undefined;
        },
        (err: Error) => err,
      );
      expect(refusal?.message).toMatch(/admin token/);
      expect(refusal?.message).not.toContain(adminToken);
    }
  });
});

describe('config answers never carry an API key', () => {
  test('GET /_simulator/config shows account, state, scopes and a fingerprint per key', async () => {
    const response = await call('GET', '/_simulator/config', { authorization: bearer(adminTokenOf(simulator)) });
    expect(response.status).toBe(200);
    expectNoSecrets(response.text);
    const keys = response.json.apiKeys as Array<Record<string, unknown>>;
    expect(keys).toHaveLength(CONFIGURED_KEYS.length);
    for (const entry of keys) {
      expect(entry).not.toHaveProperty('key');
      expect(entry.fingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);
    }
    expect(keys.map(({ account, state }) => `${account}/${state}`)).toEqual([
      'acct_primary/active',
      'acct_other/active',
      'acct_primary/revoked',
      'acct_primary/expired',
      'acct_primary/active',
    ]);
    expect(keys[4]!.scopes).toEqual(['generations:read']);
    expect(new Set(keys.map(({ fingerprint }) => fingerprint)).size).toBe(keys.length);
  });

  test('POST /_simulator/config accepts new keys with the token and answers without them', async () => {
    const auth = bearer(adminTokenOf(simulator));
    const response = await call('POST', '/_simulator/config', {
      authorization: auth,
      body: {
        apiKeys: [
          { key: TEST_API_KEY, account: 'acct_primary' },
          { key: ADDED_KEY, account: 'acct_added', scopes: ['credits:read'] },
        ],
      },
    });
    expect(response.status).toBe(200);
    expectNoSecrets(response.text);
    expect(response.json.apiKeys).toEqual([
      { account: 'acct_primary', state: 'active', fingerprint: expect.stringMatching(/^sha256:/) },
      { account: 'acct_added', state: 'active', scopes: ['credits:read'], fingerprint: expect.stringMatching(/^sha256:/) },
    ]);
    // The new key is live for the API.
    const credits = await fetch(`${simulator.url}/api/v1/credits`, { headers: { Authorization: bearer(ADDED_KEY) } });
    expect(credits.status).toBe(200);

    // A refused patch does not echo the key it carried either.
    const rejectedKey = 'sk_not_prefixed_secret_value_9d1c';
    const bad = await call('POST', '/_simulator/config', {
      authorization: auth,
      body: { apiKeys: [{ key: rejectedKey, account: 'acct_bad' }] },
    });
    expect(bad.status).toBe(400);
    expectNoSecrets(bad.text, [rejectedKey]);
  });

  test('stats and the request log carry no key either', async () => {
    await createTask();
    const auth = bearer(adminTokenOf(simulator));
    for (const path of ['/_simulator/stats', '/_simulator/requests']) {
      const response = await call('GET', path, { authorization: auth });
      expect(response.status).toBe(200);
      expectNoSecrets(response.text);
    }
  });
});

describe('binding', () => {
  test('the simulator binds 127.0.0.1 by default, so other interfaces cannot reach it', async () => {
    expect(new URL(simulator.url).hostname).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!external) return; // a loopback-only machine: the URL is the evidence
    const reached = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(2_000, () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(simulator.port, external.address);
    });
    expect(reached).toBe(false);
  });
});
