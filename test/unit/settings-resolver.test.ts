/**
 * resolveSora2Settings, without a server: the environment parsed once, typed options laid over it,
 * typed values kept typed, errors kept for a worker (a client-only plugin needs no API key), and the
 * plugin applying what was resolved — rate limits, cache, the sticky timeout — unless the
 * application's own Worker options say otherwise.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { Sora2Plugin } from '../../src/worker/plugin';
import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  DEFAULT_STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS,
  requireRivya,
  resolveSora2Settings,
  type Sora2RivyaSettings,
} from '../../src/worker/resolve-settings';
import { readRivyaSettings, Sora2ConfigError, Sora2SettingsError } from '../../src/worker/settings';
import * as workerEntry from '../../src/entry/worker';

const KEY = 'rvya_sk_resolverTestKey0123456789abcd';

function rivyaOf(settings: ReturnType<typeof resolveSora2Settings>): Sora2RivyaSettings {
  expect(settings.rivya).not.toBeInstanceOf(Error);
  return settings.rivya as Sora2RivyaSettings;
}

describe('one resolution: options over the environment', () => {
  test('every setting comes from its variable, typed; an option wins over its variable', () => {
    const env = {
      RIVYA_API_KEY: KEY,
      RIVYA_BASE_URL: 'https://env.example',
      RIVYA_REQUEST_TIMEOUT_MS: '5000',
      RIVYA_TASK_QUEUE: 'videos',
      RIVYA_MAX_TASK_QUEUE_CALLS_PER_SECOND: '2.5',
      RIVYA_MAX_WORKER_CALLS_PER_SECOND: '7',
      RIVYA_WORKER_MAX_CACHED_WORKFLOWS: '50',
      RIVYA_WEBHOOKS: 'true',
      RIVYA_REFERENCE_URL_ALLOW_PRIVATE: 'true',
    };
    const settings = resolveSora2Settings({ baseUrl: 'https://option.example', maxActivitiesPerSecond: 3 }, env);
    const rivya = rivyaOf(settings);
    expect(rivya.connection).toMatchObject({
      RIVYA_API_KEY: KEY,
      RIVYA_BASE_URL: 'https://option.example',
      RIVYA_REQUEST_TIMEOUT_MS: 5000,
    });
    expect(rivya.webhooks).toBe(true);
    expect(settings).toMatchObject({
      taskQueue: 'videos',
      maxTaskQueueActivitiesPerSecond: 2.5,
      maxActivitiesPerSecond: 3,
      maxCachedWorkflows: 50,
      referenceUrlPolicy: { allowHttp: true, allowPrivateNetworks: true },
      stickyQueueScheduleToStartTimeout: DEFAULT_STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS,
    });
  });

  test('the environment is read once: changing it later changes nothing, and the result is frozen', () => {
    const env: Record<string, string | undefined> = { RIVYA_API_KEY: KEY, RIVYA_TASK_QUEUE: 'first' };
    const settings = resolveSora2Settings({}, env);
    env.RIVYA_TASK_QUEUE = 'second';
    delete env.RIVYA_API_KEY;
    expect(settings.taskQueue).toBe('first');
    expect(requireRivya(settings).connection?.RIVYA_API_KEY).toBe(KEY);
    expect(Object.isFrozen(settings)).toBe(true);
  });

  test('resolved Rivya settings stand in for the environment, and options over them stay typed (no text round trip)', () => {
    const base = readRivyaSettings({ RIVYA_API_KEY: KEY, RIVYA_REQUEST_TIMEOUT_MS: '4321', RIVYA_SAVE_MAX_BYTES: '2048' });
    const settings = resolveSora2Settings({ settings: base, webhooks: true }, { RIVYA_REQUEST_TIMEOUT_MS: 'ignored' });
    const rivya = rivyaOf(settings);
    expect(rivya.connection?.RIVYA_REQUEST_TIMEOUT_MS).toBe(4321);
    expect(rivya.save.maxBytes).toBe(2048);
    expect(rivya.webhooks).toBe(true);
  });

  test('beside a ready client, neither the key nor the URL is required or read; the rest still is', () => {
    const settings = resolveSora2Settings(
      { client: {} },
      { RIVYA_BASE_URL: 'not a url', RIVYA_REFERENCE_DIR: '/env/refs', RIVYA_TASK_QUEUE: 'q' },
    );
    const rivya = rivyaOf(settings);
    expect(rivya.connection).toBeUndefined();
    expect(rivya.referenceDirectory).toBe('/env/refs');
    expect(settings.taskQueue).toBe('q');
  });

  test('the sticky timeout: 3 s by default, RIVYA_WORKER_STICKY_TIMEOUT_MS bounded like the other numbers', () => {
    expect(DEFAULT_STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS).toBe(3_000);
    expect(resolveSora2Settings({}, { RIVYA_API_KEY: KEY, RIVYA_WORKER_STICKY_TIMEOUT_MS: '1500' }).stickyQueueScheduleToStartTimeout).toBe(
      1500,
    );
    const bad = resolveSora2Settings({}, { RIVYA_API_KEY: KEY, RIVYA_WORKER_STICKY_TIMEOUT_MS: '10s' }).rivya;
    expect(bad).toBeInstanceOf(Sora2SettingsError);
    expect((bad as Error).message).toMatch(/RIVYA_WORKER_STICKY_TIMEOUT_MS must be a whole number from 100 to 600000/);
  });
});

describe('errors are typed, and a missing key waits for a worker', () => {
  test('a missing key is kept as a Sora2SettingsError naming the variable, thrown by requireRivya', () => {
    const settings = resolveSora2Settings({}, { RIVYA_REQUEST_TIMEOUT_MS: '-1' });
    expect(settings.rivya).toBeInstanceOf(Sora2SettingsError);
    expect(settings.rivya).toBeInstanceOf(Sora2ConfigError);
    expect((settings.rivya as Sora2SettingsError).variables).toEqual(['RIVYA_API_KEY', 'RIVYA_REQUEST_TIMEOUT_MS']);
    expect(() => requireRivya(settings)).toThrow(/RIVYA_API_KEY is required/);
  });

  test("a bad typed rate limit is the program's own mistake: thrown at once", () => {
    expect(() => resolveSora2Settings({ maxTaskQueueActivitiesPerSecond: 0 }, {})).toThrow(Sora2SettingsError);
  });

  test('a plugin without a key constructs (client-only use) and fails when a worker is configured', () => {
    const plugin = new Sora2Plugin({ env: {} });
    expect(() => plugin.configureWorker({ taskQueue: 'q' } as WorkerOptions)).toThrow(/RIVYA_API_KEY is required/);
  });
});

describe('the plugin consumes the resolved settings', () => {
  test("resolved rate limits, cache size and sticky timeout reach the worker; the Worker's own options win", () => {
    const env = { RIVYA_API_KEY: KEY, RIVYA_MAX_WORKER_CALLS_PER_SECOND: '9', RIVYA_WORKER_MAX_CACHED_WORKFLOWS: '20' };
    const plugin = new Sora2Plugin({ settings: resolveSora2Settings({}, env) });
    const configured = plugin.configureWorker({ taskQueue: 'q' } as WorkerOptions);
    expect(configured).toMatchObject({ maxActivitiesPerSecond: 9, maxCachedWorkflows: 20, stickyQueueScheduleToStartTimeout: 3_000 });
    const own = plugin.configureWorker({
      taskQueue: 'q',
      maxCachedWorkflows: 5,
      stickyQueueScheduleToStartTimeout: '10s',
    } as WorkerOptions);
    expect(own).toMatchObject({ maxCachedWorkflows: 5, stickyQueueScheduleToStartTimeout: '10s' });
    expect(plugin.settings.maxActivitiesPerSecond).toBe(9);
  });

  test("a bounded cache by default (idle waits are cheap); its variable and the Worker's own option win", () => {
    const defaulted = new Sora2Plugin({ settings: resolveSora2Settings({}, { RIVYA_API_KEY: KEY }) });
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBeGreaterThanOrEqual(40); // not below the SDK's 40 workflow task slots
    expect(defaulted.settings.maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(defaulted.configureWorker({ taskQueue: 'q' } as WorkerOptions).maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    // The application's option wins over the default, also when it is larger or 0 (no cache).
    for (const own of [5_000, 0])
      expect(defaulted.configureWorker({ taskQueue: 'q', maxCachedWorkflows: own } as WorkerOptions).maxCachedWorkflows).toBe(own);
    const fromVariable = resolveSora2Settings({}, { RIVYA_API_KEY: KEY, RIVYA_WORKER_MAX_CACHED_WORKFLOWS: '1000' });
    expect(fromVariable.maxCachedWorkflows).toBe(1_000);
    // A configuration error elsewhere keeps the default (the settings still say what a worker would run with).
    expect(resolveSora2Settings({}, {}).maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
  });

  test('resolved settings are used as they are: with a typed override beside them, the plugin refuses', () => {
    const settings = resolveSora2Settings({}, { RIVYA_API_KEY: KEY });
    expect(new Sora2Plugin({ settings }).rivyaSettings?.RIVYA_API_KEY).toBe(KEY);
    expect(() => new Sora2Plugin({ settings, apiKey: KEY })).toThrow(/resolved settings and apiKey given together/);
  });

  test('tracing is the SDK OpenTelemetryPlugin composed after this one: its sink and interceptors, only when on', () => {
    const tracing = { resource: {}, spanProcessor: {} };
    const traced = new Sora2Plugin({ apiKey: KEY, env: {}, tracing }).configureWorker({ taskQueue: 'q' } as WorkerOptions);
    expect(traced.sinks).toHaveProperty('exporter');
    expect(traced.interceptors?.activity?.length).toBeGreaterThan(0);
    expect(Object.keys(traced.activities ?? {}).length).toBeGreaterThan(0);
    const plain = new Sora2Plugin({ apiKey: KEY, env: {} }).configureWorker({ taskQueue: 'q' } as WorkerOptions);
    expect(plain.sinks).toBeUndefined();
    expect(plain.interceptors).toBeUndefined();
  });

  test('the ./worker entry exports the resolver and its error', () => {
    expect(workerEntry.resolveSora2Settings).toBe(resolveSora2Settings);
    expect(workerEntry.Sora2SettingsError).toBe(Sora2SettingsError);
  });
});
