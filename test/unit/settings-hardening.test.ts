/**
 * Settings and output hardening, without a server: the plugin keeps no environment and never shows
 * the API key; RIVYA_BASE_URL refuses credentials and cleartext http beyond loopback; numeric settings
 * are finite and bounded; server-provided text reaches the terminal without control sequences.
 *
 * Helpers added by the hardening (printable, describeStatus, formatSuccess, displayUrl) are loaded
 * with `require` so this file also compiles against code that predates them (it then fails there).
 */
import { inspect } from 'node:util';
import type { WorkerOptions } from '@temporalio/worker';
import { formatFailure, type FailureReport } from '../../tools/cli/failure-report';
import { Sora2Plugin } from '../../src/worker/plugin';
import { readRivyaSettings, Sora2ConfigError } from '../../src/worker/settings';
import { FailureTypes } from '../../workflows/common/failures';
import type { GenerationStatus } from '../../workflows/generation/messages';

const API_KEY = 'rvya_sk_LIVEkeyDoNotPrint0123456789wxyz';
const AWS_SECRET = 'aws+SECRET/acce55KeyValue987';
const DB_PASSWORD = 'dbPa55wordNeverShown';

/** A module's export, or undefined when the module or export does not exist (older code). */
function optionalExport<T>(modulePath: string, name: string): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(modulePath) as Record<string, T>)[name];
  } catch {
    return undefined;
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} does not exist`);
  return value;
}

/** Everything an object graph would show: util.inspect (hidden properties too) and cycle-safe JSON. */
function everythingShown(value: unknown): string {
  const seen = new WeakSet<object>();
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return typeof v === 'function' ? `[function ${(v as { name?: string }).name ?? ''}]` : v;
  });
  return `${inspect(value, { depth: 10, showHidden: true, getters: true })}\n${json}\n${String(value)}`;
}

function configError(attempt: () => unknown): Sora2ConfigError {
  try {
    attempt();
  } catch (err) {
    expect(err).toBeInstanceOf(Sora2ConfigError);
    return err as Sora2ConfigError;
  }
  throw new Error('expected a Sora2ConfigError, nothing was thrown');
}

function hostileEnv(): Record<string, string | undefined> {
  return {
    RIVYA_API_KEY: API_KEY,
    RIVYA_BASE_URL: 'https://api.rivya.example',
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.internal/app`,
    HOME: '/home/worker',
  };
}

describe('1. the plugin and the settings keep no environment and never show the API key', () => {
  test('a plugin built from an environment shows neither the API key nor unrelated secrets', () => {
    const plugin = new Sora2Plugin({ env: hostileEnv() });
    const shown = everythingShown(plugin);
    expect(shown).not.toContain(API_KEY);
    expect(shown).not.toContain(AWS_SECRET);
    expect(shown).not.toContain(DB_PASSWORD);
  });

  test('a plugin given the key as a typed option does not show it either, before or after configuring a worker', () => {
    const plugin = new Sora2Plugin({ apiKey: API_KEY, env: { AWS_SECRET_ACCESS_KEY: AWS_SECRET } });
    expect(everythingShown(plugin)).not.toContain(API_KEY);
    const configured = plugin.configureWorker({ taskQueue: 'hardening' } as WorkerOptions);
    expect(Object.keys(configured.activities ?? {}).length).toBeGreaterThan(0);
    const shown = everythingShown(plugin);
    expect(shown).not.toContain(API_KEY);
    expect(shown).not.toContain(AWS_SECRET);
  });

  test('RIVYA_* are read once, at construction: the environment object is not consulted later', () => {
    const env = hostileEnv();
    const plugin = new Sora2Plugin({ env });
    delete env.RIVYA_API_KEY;
    env.RIVYA_BASE_URL = 'not a url';
    const configured = plugin.configureWorker({ taskQueue: 'hardening' } as WorkerOptions);
    expect(Object.keys(configured.activities ?? {}).length).toBeGreaterThan(0);
  });

  test('the settings redact the API key in JSON, inspect, String() and spreads, yet still hand it to the client', () => {
    const settings = readRivyaSettings(hostileEnv());
    expect(settings.RIVYA_API_KEY).toBe(API_KEY);
    const shown = everythingShown(settings);
    expect(shown).not.toContain(API_KEY);
    expect(shown).not.toContain(AWS_SECRET);
    expect(JSON.stringify({ ...settings })).not.toContain(API_KEY);
    expect(JSON.stringify(settings)).toMatch(/"RIVYA_API_KEY":"(rvya_sk_…wxyz|\[redacted\])"/);
    expect(inspect(settings)).toMatch(/rvya_sk_…wxyz|\[redacted\]/);
    expect(inspect(settings)).toContain('https://api.rivya.example');
  });
});

describe('1b. a worker with a reference directory it cannot use fails at start, not at the first upload', () => {
  test.each([
    ['a missing directory', '/nope/rivya-references', /"\/nope\/rivya-references" does not exist/],
    ['a file', __filename, /is not a directory/],
  ])('%s fails configureWorker (Worker.create) with a Sora2ConfigError naming RIVYA_REFERENCE_DIR', (_what, directory, problem) => {
    for (const plugin of [
      new Sora2Plugin({ apiKey: API_KEY, referenceDirectory: directory, env: {} }),
      new Sora2Plugin({ apiKey: API_KEY, env: { RIVYA_REFERENCE_DIR: directory } }),
    ]) {
      const error = configError(() => plugin.configureWorker({ taskQueue: 'hardening' } as WorkerOptions));
      expect(error.message).toMatch(/RIVYA_REFERENCE_DIR must be an existing directory the worker can read/);
      expect(error.message).toMatch(problem);
      expect(error.message).not.toContain(API_KEY);
    }
  });

  test('an existing directory, or none, configures', () => {
    expect(() =>
      new Sora2Plugin({ apiKey: API_KEY, referenceDirectory: __dirname, env: {} }).configureWorker({ taskQueue: 'q' } as WorkerOptions),
    ).not.toThrow();
    expect(() => new Sora2Plugin({ apiKey: API_KEY, env: {} }).configureWorker({ taskQueue: 'q' } as WorkerOptions)).not.toThrow();
  });
});

describe('2. RIVYA_BASE_URL never carries or prints credentials', () => {
  test.each([
    ['https://alice:hunter2Secret@api.rivya.example'],
    ['https://hunter2Secret@api.rivya.example/'],
    ['http://alice:hunter2Secret@127.0.0.1:8787'],
  ])('%s is refused, naming the variable without echoing the credentials', (url) => {
    const err = configError(() => readRivyaSettings({ RIVYA_API_KEY: API_KEY, RIVYA_BASE_URL: url }));
    expect(err.message).toContain('RIVYA_BASE_URL');
    expect(err.message).toMatch(/credentials/);
    expect(err.message).not.toContain('hunter2Secret');
    expect(err.message).not.toContain('alice');
    expect(err.message).not.toContain(API_KEY);
  });

  test('a printed URL has no userinfo', () => {
    const displayUrl = required(optionalExport<(url: string) => string>('../../src/worker/settings', 'displayUrl'), 'displayUrl');
    expect(displayUrl('https://alice:hunter2Secret@api.rivya.example/v1')).toBe('https://api.rivya.example/v1');
    expect(displayUrl('not-a-url://alice:hunter2Secret@host')).not.toContain('hunter2Secret');
    expect(displayUrl('https://api.rivya.example')).toBe('https://api.rivya.example');
  });
});

describe('3. settings are bounded', () => {
  const base = { RIVYA_API_KEY: API_KEY };

  test.each(['2147483648', '99999999999', '600001', '0', '-5', '1.5', 'Infinity', '1e3', '0x10', 'NaN', 'soon'])(
    'RIVYA_REQUEST_TIMEOUT_MS=%s is refused with a sentence naming the variable',
    (value) => {
      const err = configError(() => readRivyaSettings({ ...base, RIVYA_REQUEST_TIMEOUT_MS: value }));
      expect(err.message).toMatch(/RIVYA_REQUEST_TIMEOUT_MS must be a whole number from 1 to 600000/);
      expect(err.message).not.toMatch(/Expected|received/);
    },
  );

  test('timeouts from 1 ms to 10 minutes are accepted', () => {
    expect(readRivyaSettings({ ...base, RIVYA_REQUEST_TIMEOUT_MS: '1' }).RIVYA_REQUEST_TIMEOUT_MS).toBe(1);
    expect(readRivyaSettings({ ...base, RIVYA_REQUEST_TIMEOUT_MS: '600000' }).RIVYA_REQUEST_TIMEOUT_MS).toBe(600_000);
  });

  test.each([
    'http://api.rivya.example',
    'http://10.0.0.5:8787',
    'http://rivya-simulator:8787',
    'http://localhost.evil.example',
    'http://127.0.0.1.nip.io',
    'ftp://api.rivya.example',
  ])('RIVYA_BASE_URL=%s (cleartext beyond loopback, or not http) is refused', (url) => {
    const err = configError(() => readRivyaSettings({ ...base, RIVYA_BASE_URL: url }));
    expect(err.message).toMatch(/RIVYA_BASE_URL must be (https|an https URL)/);
  });

  test('plain http to a named private host (compose simulator) only when RIVYA_PLAINTEXT_HTTP_HOSTS lists it', () => {
    const url = 'http://rivya-simulator:8787';
    expect(readRivyaSettings({ ...base, RIVYA_BASE_URL: url, RIVYA_PLAINTEXT_HTTP_HOSTS: 'rivya-simulator' }).RIVYA_BASE_URL).toBe(url);
    const err = configError(() => readRivyaSettings({ ...base, RIVYA_BASE_URL: url, RIVYA_PLAINTEXT_HTTP_HOSTS: 'other-host' }));
    expect(err.message).toMatch(/RIVYA_BASE_URL must be https/);
  });

  test.each(['http://localhost:8787', 'http://127.0.0.1:8787', 'http://127.9.8.7', 'http://[::1]:8787', 'https://api.rivya.example'])(
    'RIVYA_BASE_URL=%s is accepted',
    (url) => {
      expect(readRivyaSettings({ ...base, RIVYA_BASE_URL: url }).RIVYA_BASE_URL).toBe(url);
    },
  );

  test.each([
    ['RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND', '1e9'],
    ['RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND', '-1'],
    ['RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND', 'Infinity'],
    ['RIVYA_MAX_WORKER_CALLS_PER_SECOND', '1000000'],
    ['RIVYA_MAX_WORKER_CALLS_PER_SECOND', '0'],
    ['RIVYA_WORKER_MAX_CACHED_WORKFLOWS', '99999999999'],
    ['RIVYA_WORKER_MAX_CACHED_WORKFLOWS', 'many'],
    ['RIVYA_WORKER_MAX_CACHED_WORKFLOWS', '2.5'],
  ])('%s=%s is refused with a sentence naming the variable', (variable, value) => {
    const err = configError(() => readRivyaSettings({ ...base, [variable]: value }));
    expect(err.message).toMatch(new RegExp(`${variable} must be a (whole )?number from`));
    expect(err.message).not.toMatch(/Expected|received/);
  });

  test('rate limits and cache sizes within bounds are accepted', () => {
    const settings = readRivyaSettings({
      ...base,
      RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND: '0.5',
      RIVYA_MAX_WORKER_CALLS_PER_SECOND: '200',
      RIVYA_WORKER_MAX_CACHED_WORKFLOWS: '0',
    });
    expect(settings).toMatchObject({
      RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND: 0.5,
      RIVYA_MAX_WORKER_CALLS_PER_SECOND: 200,
      RIVYA_WORKER_MAX_CACHED_WORKFLOWS: 0,
    });
  });

  test('typed rate limits on the plugin are held to the same bounds', () => {
    configError(() => new Sora2Plugin({ apiKey: API_KEY, maxActivitiesPerSecond: Number.POSITIVE_INFINITY }));
    configError(() => new Sora2Plugin({ apiKey: API_KEY, maxTaskQueueActivitiesPerSecond: -1 }));
    const configured = new Sora2Plugin({ apiKey: API_KEY, env: {}, maxActivitiesPerSecond: 5 }).configureWorker({
      taskQueue: 'q',
    } as WorkerOptions);
    expect(configured.maxActivitiesPerSecond).toBe(5);
  });

  test('an invalid true/false setting is a sentence that does not echo the value', () => {
    const err = configError(() => readRivyaSettings({ ...base, RIVYA_REFERENCE_URL_ALLOW_PRIVATE: 'yes-please' }));
    expect(err.message).toMatch(/RIVYA_REFERENCE_URL_ALLOW_PRIVATE must be true or false/);
    expect(err.message).not.toContain('yes-please');
  });
});

/** Every hostile sequence used below; none may survive. */
const HOSTILE = {
  clear: '\x1b[2J\x1b[H',
  hyperlink: '\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07',
  hyperlinkSt: '\x1b]8;;https://evil.example/\x1b\\st\x1b]8;;\x1b\\',
  clipboard: '\x1b]52;c;cm0gLXJmIH4K\x07',
  bell: '\x07',
  backspace: 'safe\b\b\b\bEVIL',
  c1Csi: '\x9b2J',
  c1Osc: '\x9d0;title\x9c',
  title: '\x1b]0;owned\x07',
};

// Any C0/C1 control except the \n the CLI adds itself, and the bidi overrides.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('4. server-provided text reaches the terminal without control sequences', () => {
  const printable = () =>
    required(optionalExport<(text: unknown) => string>('../../tools/cli/printable', 'printable'), 'tools/cli/printable.ts printable');

  test.each(Object.entries(HOSTILE))('printable strips %s', (_name, sequence) => {
    const cleaned = printable()(`before ${sequence} after`);
    expect(cleaned).not.toMatch(CONTROL);
    expect(cleaned).not.toContain('\x1b');
    expect(cleaned.startsWith('before ')).toBe(true);
    expect(cleaned.endsWith(' after')).toBe(true);
  });

  test('printable keeps the visible text and drops the sequences around it', () => {
    const p = printable();
    expect(p('\x1b[31mred\x1b[0m')).toBe('red');
    expect(p('\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07')).toBe('click me');
    expect(p('\x1b]52;c;cm0gLXJmIH4K\x07done')).toBe('done');
    expect(p('a\x07b\bc\x9b2Jd')).toBe('abcd');
    expect(p('line one\nline two\r\n\tthree')).toBe('line one line two three');
    expect(p('unterminated \x1b]52;c;cm0gLXJmIH4K')).toBe('unterminated ');
    expect(p('\u202eevil.exe')).toBe('evil.exe');
    expect(p('task_abc123 https://cdn.rivya.example/v.mp4?x=1&y=2')).toBe('task_abc123 https://cdn.rivya.example/v.mp4?x=1&y=2');
    expect(p('ünïcödé ✓ 视频')).toBe('ünïcödé ✓ 视频');
    expect(p(42)).toBe('42');
  });

  test('printableJson escapes what JSON.stringify leaves raw, and still parses to the same value', () => {
    const printableJson = required(
      optionalExport<(value: unknown) => string>('../../tools/cli/printable', 'printableJson'),
      'printableJson',
    );
    const value = { message: `oops ${HOSTILE.c1Csi} ${HOSTILE.clear} \u202e` };
    const json = printableJson(value);
    expect(json).not.toMatch(CONTROL);
    expect(JSON.parse(json)).toEqual(value);
  });

  test('a failure report from a hostile server prints no control sequence', () => {
    const report: FailureReport = {
      type: FailureTypes.GenerationFailed,
      message: `task failed ${HOSTILE.clear}${HOSTILE.title}`,
      details: {
        reason: 'generation-failed' as never,
        workflowId: 'wf-1',
        phase: 'polling',
        taskId: `task_1${HOSTILE.c1Csi}`,
        remoteError: { code: `E${HOSTILE.bell}RR`, message: `${HOSTILE.clipboard}${HOSTILE.hyperlink} moderation ${HOSTILE.backspace}` },
        credits: null,
        compensations: [{ name: 'refund', status: 'failed', error: `${HOSTILE.c1Osc}nope` } as never],
        polls: 3,
        issues: [{ path: `prompt${HOSTILE.hyperlinkSt}`, message: `bad\n\x1b[1Ainjected line` } as never],
      },
    };
    const lines = formatFailure(report);
    for (const line of lines) {
      expect(line).not.toMatch(CONTROL);
      expect(line).not.toContain('\x1b');
      expect(line).not.toContain('\n');
    }
    const text = lines.join('\n');
    expect(text).toContain('failed: GenerationFailed: task failed');
    expect(text).toContain('  task: task_1\n');
    expect(text).toContain('remote error: ERR:');
    expect(text).toContain('click me moderation');
  });

  test('progress lines and the success lines print no control sequence', () => {
    const describeStatus = required(
      optionalExport<(status: GenerationStatus, elapsedMs: number) => string>('../../tools/cli/progress', 'describeStatus'),
      'describeStatus',
    );
    const status = {
      phase: 'polling',
      model: 'sora-2',
      taskId: `task_9${HOSTILE.clear}`,
      remoteStatus: `running${HOSTILE.title}`,
      polls: 2,
      nextPollAt: null,
      startedAt: '2025-01-01T00:00:00Z',
      deadlineAt: null,
      credits: null,
      referenceFileId: null,
      continuedAsNew: 0,
      lastError: `503 ${HOSTILE.clipboard}\nfake line`,
      reconciliation: null,
    } as GenerationStatus;
    const line = describeStatus(status, 3_000);
    expect(line).not.toMatch(CONTROL);
    expect(line).toMatch(/^phase polling \| task task_9 running \| polls 2 \| elapsed 3s \| last error: 503 +fake line$/);

    const formatSuccess = required(
      optionalExport<(result: unknown) => string[]>('../../tools/cli/commands/generate', 'formatSuccess'),
      'formatSuccess',
    );
    const lines = formatSuccess({
      videoUrl: `https://cdn.rivya.example/v.mp4${HOSTILE.hyperlink}`,
      taskId: `task_9${HOSTILE.c1Csi}`,
      credits: { final: 10 },
      polls: 4,
      timings: { totalMs: 12_345 },
    });
    for (const l of lines) expect(l).not.toMatch(CONTROL);
    expect(lines[0]).toBe('succeeded: https://cdn.rivya.example/v.mp4click me');
  });
});
