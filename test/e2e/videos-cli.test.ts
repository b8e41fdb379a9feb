/**
 * `rivya-sora2 videos serve` as a user runs it (the built CLI): configuration mistakes exit 2 naming
 * what to fix and never a key; started, it binds loopback, answers /healthz, refuses an unknown key
 * with an OpenAI-shaped 401, and stops on SIGINT. No Temporal is needed for any of that.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, startCli } from '../helpers/cli-process';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'rivya-videos-cli-'));
const CALLER_KEY = 'svc-caller-key-0123456789';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it.each([
  ['no caller keys', {}, /no caller keys: set RIVYA_VIDEOS_KEYS/],
  ['a Rivya key as a caller key', { RIVYA_VIDEOS_KEYS: 'svc:rvya_sk_live_not_for_callers_42' }, /that is a Rivya API key/],
  [
    'the worker key reused',
    { RIVYA_VIDEOS_KEYS: 'svc:shared-with-the-worker-123', RIVYA_API_KEY: 'shared-with-the-worker-123' },
    /Rivya API key/,
  ],
])('%s: exit 2, the key never printed', async (_name, env, message) => {
  const run = await runCli(['videos', 'serve', '--save-dir', dir, '--port', '0'], cleanEnv(env as Record<string, string>));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
  expect(run.stderr + run.stdout).not.toMatch(/not_for_callers|shared-with-the-worker/);
});

it('serves on loopback from a keys file: /healthz, a 401 for an unknown key, stops on SIGINT', async () => {
  const keysFile = join(dir, 'keys');
  writeFileSync(keysFile, `# callers\nsvc:${CALLER_KEY}\n`);
  const serve = startCli(
    ['videos', 'serve', '--port', '0', '--keys-file', keysFile, '--save-dir', dir],
    cleanEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' }),
  );
  try {
    const deadline = Date.now() + 30_000;
    let match: RegExpMatchArray | null = null;
    while (!(match = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(serve.output())) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(match).not.toBeNull();
    const baseURL = match![1]!;
    expect(serve.output()).not.toContain(CALLER_KEY);
    expect((await fetch(baseURL.replace(/\/v1$/, '/healthz'))).status).toBe(200);
    const refused = await fetch(`${baseURL}/videos`, { headers: { authorization: 'Bearer some-other-key-0123456789' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
  } finally {
    expect(await serve.stop('SIGINT')).toBe(0);
  }
  expect(serve.output()).toContain('videos endpoint stopped');
});
