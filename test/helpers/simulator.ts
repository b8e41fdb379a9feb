/** A simulator with fast task timings, its client, and raw HTTP access for contract tests. */
import fetch, { type RequestInit } from 'node-fetch';
import { startRivyaSimulator, type RivyaSimulator, type StartSimulatorOptions } from '../../simulator/index';
import { RivyaClient, RivyaError } from '../../src/rivya';

export const TEST_API_KEY = 'rvya_sk_test_primary_account_secret';
export const OTHER_ACCOUNT_KEY = 'rvya_sk_test_other_account_secret';

export async function startTestSimulator(options: StartSimulatorOptions = {}): Promise<RivyaSimulator> {
  return startRivyaSimulator({
    apiKeys: [
      { key: TEST_API_KEY, account: 'acct_primary' },
      { key: OTHER_ACCOUNT_KEY, account: 'acct_other' },
      { key: 'rvya_sk_test_revoked', account: 'acct_primary', state: 'revoked' },
      { key: 'rvya_sk_test_expired', account: 'acct_primary', state: 'expired' },
      { key: 'rvya_sk_test_read_only', account: 'acct_primary', scopes: ['generations:read'] },
    ],
    timing: { queuedMs: [50, 100], processingMs: { default: [200, 300] } },
    ...options,
  });
}

export function clientFor(simulator: RivyaSimulator, apiKey = TEST_API_KEY, timeoutMs?: number): RivyaClient {
  return new RivyaClient({ apiKey, baseUrl: simulator.url, timeoutMs });
}

/** `rawRequest` options for the `/_simulator/*` admin routes: the admin token, no API key. */
export function adminAuth(simulator: RivyaSimulator): { apiKey: null; headers: Record<string, string> } {
  return { apiKey: null, headers: { Authorization: `Bearer ${simulator.adminToken}` } };
}

export async function rawRequest(
  simulator: RivyaSimulator,
  path: string,
  init: RequestInit & { apiKey?: string | null } = {},
): Promise<{ status: number; headers: Record<string, string>; body: any }> {
  const { apiKey = TEST_API_KEY, ...rest } = init;
  const headers: Record<string, string> = { ...(rest.headers as Record<string, string>) };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  if (typeof rest.body === 'string') headers['Content-Type'] = 'application/json';
  const response = await fetch(`${simulator.url}${path}`, { ...rest, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
}

/** The RivyaError a client call failed with; fails the test if it succeeded, or if the key is anywhere in the error. */
export async function caught(promise: Promise<unknown>): Promise<RivyaError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RivyaError);
    // Secret hygiene: neither the message, the stack nor any enumerable field carries the key.
    expect(`${(err as Error).message} ${(err as Error).stack} ${JSON.stringify(err)}`).not.toContain(TEST_API_KEY);
    return err as RivyaError;
  }
  throw new Error('expected the call to fail');
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
