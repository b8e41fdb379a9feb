/**
 * Pure checks that each Rivya rule is read from its one table: the input schema's param enums and
 * the CLI help from models.ts, task statuses and refunds from task-status.ts, the URL guard's
 * refusals by code, and the worker settings resolved by one function (options over variables).
 */
import { Command } from 'commander';
import { FetchError } from 'node-fetch';
import { blockedUrlReason, BlockedUrlError, checkReferenceUrl } from '../../activities/reference/url-guard';
import { registerGenerate } from '../../tools/cli/commands/generate';
import { DEFAULT_REQUEST_TIMEOUT_MS, taskSchema } from '../../src/rivya';
import {
  ALL_SELECT_PARAMS,
  defaultSelectParams,
  MAX_CLIENT_REQUEST_ID_CHARS,
  MODEL_SPECS,
  modelsWithParam,
  SORA_MODELS,
  toClientRequestId,
  type SelectParamName,
} from '../../src/contract/models';
import { isTerminal, refundState } from '../../src/contract/task-status';
import { readRivyaSettings, resolveReferenceDirectory, resolveRivyaSettings, Sora2ConfigError } from '../../src/worker/settings';
import { checkSora2Input, rivyaParams } from '../../workflows/generation/input';

const PARAM_NAMES = Object.keys(ALL_SELECT_PARAMS) as SelectParamName[];

describe('workflow input params come from the models table', () => {
  test.each(SORA_MODELS.flatMap((model) => PARAM_NAMES.map((name) => [model, name] as const)))('%s, %s', (model, name) => {
    const spec = ALL_SELECT_PARAMS[name];
    const modelHasParam = name in MODEL_SPECS[model].selectParams;
    for (const option of spec.options) {
      const check = checkSora2Input({ prompt: 'p', model, params: { [name]: option } });
      if (modelHasParam) expect(check.ok).toBe(true);
      else expect(check).toEqual({ ok: false, issues: [{ path: `params.${name}`, message: `not a parameter of ${model}` }] });
    }
    const wrong = checkSora2Input({ prompt: 'p', model, params: { [name]: 'no-such-option' } });
    const expected = `must be one of ${spec.options.map((option) => `"${option}"`).join(', ')}`;
    expect(wrong.ok === false && wrong.issues.find((issue) => issue.path === `params.${name}`)?.message).toBe(expected);
  });

  test('n_frames keeps its documented message', () => {
    const check = checkSora2Input({ prompt: 'p', params: { n_frames: '12' } });
    expect(check).toEqual({ ok: false, issues: [{ path: 'params.n_frames', message: 'must be one of "10", "15"' }] });
  });

  test('size is a sora-2-pro param only', () => {
    expect(modelsWithParam('size')).toEqual(['sora-2-pro']);
    expect(modelsWithParam('n_frames')).toEqual([...SORA_MODELS]);
  });

  test.each(SORA_MODELS)('the params sent for %s are its defaults, filled in', (model) => {
    const check = checkSora2Input({ prompt: 'p', model });
    expect(check.ok && rivyaParams(check.value)).toEqual(defaultSelectParams(model));
  });
});

test("the CLI help lists each param's options from the table, default marked", () => {
  const program = new Command();
  registerGenerate(program);
  const help = program.commands[0]!.helpInformation().replace(/\s+/g, ' ');
  for (const name of PARAM_NAMES) {
    const spec = ALL_SELECT_PARAMS[name];
    const flag = `--${name.replace(/_/g, '-')}`;
    const line = help.slice(help.indexOf(flag), help.indexOf(' --', help.indexOf(flag) + flag.length));
    for (const option of spec.options) expect(line).toContain(option === spec.default ? `${option} (default)` : option);
  }
  expect(help).toMatch(/--size <size> .*\(sora-2-pro only\)/);
});

test("a client_request_id is cut to Rivya's limit", () => {
  expect(toClientRequestId('x'.repeat(MAX_CLIENT_REQUEST_ID_CHARS + 50))).toHaveLength(MAX_CLIENT_REQUEST_ID_CHARS);
  expect(toClientRequestId('short-id')).toBe('short-id');
});

describe('task status', () => {
  const wireTask = (status: string, finalCredits: number) => ({
    id: 'task_1',
    status,
    model: 'sora-2',
    reserved_credits: 6,
    final_credits: finalCredits,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
  });

  test('an unknown status is accepted and treated as running', () => {
    const task = taskSchema.parse(wireTask('archiving', 6));
    expect(task.status).toBe('archiving');
    expect(isTerminal(task.status)).toBe(false);
    expect(refundState({ status: task.status, finalCredits: task.final_credits })).toBe('pending');
  });

  test.each([
    ['failed', 0, true],
    ['failed', 6, false],
    ['succeeded', 6, false],
    ['processing', 0, 'pending'],
    ['queued', 6, 'pending'],
  ] as const)('%s with final credits %d: refunded %s', (status, finalCredits, refunded) => {
    expect(refundState({ status, finalCredits })).toBe(refunded);
  });
});

describe('URL guard refusals are recognised by type and code', () => {
  test('thrown directly', () => {
    let thrown: unknown;
    try {
      checkReferenceUrl(new URL('https://169.254.169.254/latest/meta-data/'), {});
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(BlockedUrlError);
    expect(blockedUrlReason(thrown)).toBe('reference.url: points at a non-public address');
  });

  test('raised in the DNS lookup and wrapped by node-fetch, which keeps only the code', () => {
    const inner = new BlockedUrlError('REFERENCE_URL_RESOLVES_NON_PUBLIC');
    // What node-fetch does with a socket error: a new FetchError with the message folded in and the code copied.
    const wrapped = new FetchError(`request to https://internal.example/a.png failed, reason: ${inner.message}`, 'system', inner as never);
    expect(blockedUrlReason(wrapped)).toBe('reference.url: resolves to a non-public address');
  });

  test('other failures are not refusals', () => {
    expect(blockedUrlReason(new Error('reference.url: resolves to a non-public address'))).toBeUndefined();
    expect(blockedUrlReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});

describe('worker settings: typed options laid over the environment', () => {
  const KEY = 'rvya_sk_env';

  test("defaults come from the client's own defaults", () => {
    const settings = readRivyaSettings({ RIVYA_API_KEY: KEY });
    expect(settings.RIVYA_REQUEST_TIMEOUT_MS).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
  });

  test('an option wins over its variable; an unset option leaves the variable', () => {
    const env = {
      RIVYA_API_KEY: KEY,
      RIVYA_BASE_URL: 'https://env.example',
      RIVYA_REQUEST_TIMEOUT_MS: '5000',
      RIVYA_REFERENCE_DIR: '/env/refs',
    };
    const settings = resolveRivyaSettings({ apiKey: 'rvya_sk_option', requestTimeoutMs: 1234, referenceDirectory: undefined }, env);
    expect(settings).toMatchObject({
      RIVYA_API_KEY: 'rvya_sk_option',
      RIVYA_BASE_URL: 'https://env.example',
      RIVYA_REQUEST_TIMEOUT_MS: 1234,
      RIVYA_REFERENCE_DIR: '/env/refs',
    });
  });

  test('an option over an invalid variable is what counts', () => {
    expect(
      resolveRivyaSettings({ baseUrl: 'https://ok.example' }, { RIVYA_API_KEY: KEY, RIVYA_BASE_URL: 'not a url' }).RIVYA_BASE_URL,
    ).toBe('https://ok.example');
  });

  test('an empty variable is unset', () => {
    const settings = readRivyaSettings({ RIVYA_API_KEY: KEY, RIVYA_REQUEST_TIMEOUT_MS: '', RIVYA_REFERENCE_DIR: '' });
    expect(settings.RIVYA_REQUEST_TIMEOUT_MS).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(settings.RIVYA_REFERENCE_DIR).toBeUndefined();
  });

  test('a bad option is reported under its variable, without the key', () => {
    const attempt = () => resolveRivyaSettings({ apiKey: 'sk_live_SECRET', requestTimeoutMs: -1 }, {});
    expect(attempt).toThrow(Sora2ConfigError);
    expect(attempt).toThrow(/RIVYA_API_KEY must look like rvya_sk_<secret>.*RIVYA_REQUEST_TIMEOUT_MS/);
    expect(attempt).not.toThrow(/SECRET/);
  });

  test('a worker with a ready client reads only the reference directory', () => {
    expect(resolveReferenceDirectory({}, { RIVYA_BASE_URL: 'not a url', RIVYA_REFERENCE_DIR: '/env/refs' })).toBe('/env/refs');
    expect(resolveReferenceDirectory({ referenceDirectory: '/option/refs' }, { RIVYA_REFERENCE_DIR: '/env/refs' })).toBe('/option/refs');
  });
});
