/**
 * Where a save may go, without Temporal or S3: `save.to` parsing (the input schema's rules), the
 * directory sink's confinement below the worker's save root (no `..`, no symbolic link on the way,
 * no absolute path), its atomic write and its reuse of a complete file, the save settings, and the
 * activity itself in Temporal's activity test environment (refusals, heartbeats) against a loopback
 * media host.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { makeSaveResult } from '../../activities/save-result';
import { checkSora2Input } from '../../src/workflow';
import { assetPath } from '../../src/internal/package-root';
import {
  parseSaveTarget,
  savedFileName,
  saveToDirectory,
  SaveTargetRejectedError,
  VideoRejectedError,
  type SaveRequest,
} from '../../src/storage';
import { checkSaveDirectory, readRivyaSettings, Sora2ConfigError } from '../../src/worker/settings';

const SAMPLE = readFileSync(assetPath('sample-video.mp4'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const roots: string[] = [];
const TASK = 'task_1';

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function newRoot(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'rivya-save-target-')));
  roots.push(root);
  return root;
}

describe('parseSaveTarget', () => {
  test.each([
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['S3://my.bucket-1/videos/2026/', { kind: 's3', bucket: 'my.bucket-1', prefix: 'videos/2026' }],
    ['videos', { kind: 'directory', path: 'videos' }],
    ['./videos/today/', { kind: 'directory', path: 'videos/today' }],
    ['.', { kind: 'directory', path: '' }],
  ])('%s is %o', (raw, target) => {
    expect(parseSaveTarget(raw)).toEqual({ ok: true, target });
  });

  test.each([
    ['', /must not be empty/],
    ['s3://ab', /3 to 63 characters/],
    [`s3://${'a'.repeat(64)}`, /3 to 63 characters/],
    ['s3://My_Bucket', /lowercase letters, digits, dots and hyphens/],
    ['s3://-bucket', /starting and ending with a letter or digit/],
    ['s3://my..bucket', /two adjacent dots/],
    ['s3://192.168.1.10', /IP address/],
    ['s3://xn--bucket', /reserves/],
    ['s3://bucket-s3alias', /reserves/],
    [`s3://bucket/${'p'.repeat(201)}`, /at most 200 characters/],
    ['s3://bucket/a//b', /empty, "\." or "\.\." segments/],
    ['s3://bucket/../other', /empty, "\." or "\.\." segments/],
    ['/etc/videos', /relative to the worker's save directory/],
    ['C:/videos', /relative to the worker's save directory/],
    ['../outside', /empty, "\." or "\.\." segments/],
    ['videos/../../outside', /empty, "\." or "\.\." segments/],
    ['videos\\..\\outside', /control characters or backslashes/],
    ['videos\u0000x', /control characters or backslashes/],
    ['https://example.com/videos', /relative directory or s3:\/\/bucket\/prefix/],
    [`videos/${'d'.repeat(256)}`, /at most 255 characters/],
    ['v'.repeat(1025), /at most 1024 characters/],
  ])('%j is refused', (raw, message) => {
    const parsed = parseSaveTarget(raw);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toMatch(message);
  });

  test('the generation input refuses a bad save.to before anything starts, naming the field', () => {
    const checked = checkSora2Input({ prompt: 'p', save: { to: 's3://Bad_Bucket/x' } });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.issues).toEqual([{ path: 'save.to', message: expect.stringMatching(/bucket name/) }]);
    expect(checkSora2Input({ prompt: 'p', save: { to: 'videos', credentials: 'x' } }).ok).toBe(false);
    const good = checkSora2Input({ prompt: 'p', save: { to: 's3://good-bucket/x' } });
    expect(good.ok && good.value.save).toEqual({ to: 's3://good-bucket/x' });
  });

  test('saved names: the percent-encoded workflow id, so no id leaves its directory', () => {
    expect(savedFileName('gen-1')).toBe('gen-1.mp4');
    expect(savedFileName('../../etc/passwd')).toBe('..%2F..%2Fetc%2Fpasswd.mp4');
    expect(savedFileName("it's (fine)*!")).toBe('it%27s%20%28fine%29%2A%21.mp4');
    expect(savedFileName('..')).toBe('...mp4');
  });
});

function request(bytes: Buffer, overrides: Partial<SaveRequest> = {}): SaveRequest & { opens: () => number } {
  let opens = 0;
  return {
    fileName: savedFileName('wf-1'),
    attempt: 1,
    maxBytes: 1024 * 1024,
    open: async () => {
      opens += 1;
      return Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]);
    },
    opens: () => opens,
    ...overrides,
  };
}

describe('saveToDirectory', () => {
  test('writes below the root, creating the directories, and leaves only the final file and its record', async () => {
    const root = newRoot();
    const saved = await saveToDirectory(root, 'a/b', TASK, request(SAMPLE));
    const path = join(root, 'a', 'b', 'wf-1.mp4');
    expect(saved).toEqual({ location: path, bytes: SAMPLE.length, contentType: 'video/mp4', sha256: sha256(SAMPLE), reused: false });
    expect(readFileSync(path)).toEqual(SAMPLE);
    // Next to it, its record: what proves to a retry that the file is this task's video.
    expect(readdirSync(join(root, 'a', 'b')).sort()).toEqual(['wf-1.mp4', 'wf-1.mp4.json']);
    expect(JSON.parse(readFileSync(join(root, 'a', 'b', 'wf-1.mp4.json'), 'utf8'))).toEqual({
      taskId: TASK,
      sha256: sha256(SAMPLE),
      bytes: SAMPLE.length,
      contentType: 'video/mp4',
    });
  });

  test('a complete file from an earlier attempt is re-checked from disk and returned, not downloaded again', async () => {
    const root = newRoot();
    await saveToDirectory(root, '', TASK, request(SAMPLE));
    // An earlier killed attempt's partial file is removed too.
    writeFileSync(join(root, '.wf-1.mp4.partial-2'), 'half');
    const retry = request(SAMPLE, { attempt: 3 });
    const saved = await saveToDirectory(root, '', TASK, retry);
    expect(retry.opens()).toBe(0);
    expect(saved).toMatchObject({ reused: true, sha256: sha256(SAMPLE), bytes: SAMPLE.length });
  });

  test("a file at the target name that no record proves to be this task's is replaced, not returned as saved", async () => {
    const root = newRoot();
    // A truncated MP4 head (a leftover, another deployment's, or planted): it passes the signature check.
    writeFileSync(join(root, 'wf-1.mp4'), SAMPLE.subarray(0, 4096));
    const run = request(SAMPLE);
    const saved = await saveToDirectory(root, '', TASK, run);
    expect(run.opens()).toBe(1);
    expect(saved).toMatchObject({ reused: false, sha256: sha256(SAMPLE), bytes: SAMPLE.length });
    expect(readFileSync(join(root, 'wf-1.mp4'))).toEqual(SAMPLE);
  });

  test("another task's complete save under the same name (a reused workflow id) is replaced", async () => {
    const root = newRoot();
    const other = Buffer.concat([SAMPLE, Buffer.alloc(16)]);
    await saveToDirectory(root, '', 'task_other', request(other));
    const run = request(SAMPLE);
    const saved = await saveToDirectory(root, '', TASK, run);
    expect(run.opens()).toBe(1);
    expect(saved).toMatchObject({ reused: false, sha256: sha256(SAMPLE) });
    expect(readFileSync(join(root, 'wf-1.mp4'))).toEqual(SAMPLE);
    expect(JSON.parse(readFileSync(join(root, 'wf-1.mp4.json'), 'utf8'))).toMatchObject({ taskId: TASK, sha256: sha256(SAMPLE) });
  });

  test("this task's record next to a file that no longer matches it (cut, edited) does not prove it: replaced", async () => {
    const root = newRoot();
    await saveToDirectory(root, '', TASK, request(SAMPLE));
    writeFileSync(join(root, 'wf-1.mp4'), SAMPLE.subarray(0, 4096));
    const run = request(SAMPLE, { attempt: 2 });
    const saved = await saveToDirectory(root, '', TASK, run);
    expect(run.opens()).toBe(1);
    expect(saved).toMatchObject({ reused: false, sha256: sha256(SAMPLE) });
    expect(readFileSync(join(root, 'wf-1.mp4'))).toEqual(SAMPLE);
  });

  test("a killed attempt's partial file is removed before the next attempt writes", async () => {
    const root = newRoot();
    writeFileSync(join(root, '.wf-1.mp4.partial-1'), 'half a video');
    writeFileSync(join(root, '.wf-1.mp4.partial-1.json'), '{"taskId":');
    await saveToDirectory(root, '', TASK, request(SAMPLE, { attempt: 2 }));
    expect(readdirSync(root).sort()).toEqual(['wf-1.mp4', 'wf-1.mp4.json']);
  });

  test('a symbolic link on the way out of the root is refused, and nothing is written outside', async () => {
    const root = newRoot();
    const outside = newRoot();
    symlinkSync(outside, join(root, 'escape'));
    await expect(saveToDirectory(root, 'escape/videos', TASK, request(SAMPLE))).rejects.toThrow(SaveTargetRejectedError);
    await expect(saveToDirectory(root, 'escape', TASK, request(SAMPLE))).rejects.toThrow(/passes through a symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test('a symbolic link at the final name or at its record is refused, not followed', async () => {
    const root = newRoot();
    const outside = newRoot();
    symlinkSync(join(outside, 'target.mp4'), join(root, 'wf-1.mp4'));
    await expect(saveToDirectory(root, '', TASK, request(SAMPLE))).rejects.toThrow(/wf-1\.mp4 exists and is not a regular file/);
    rmSync(join(root, 'wf-1.mp4'));
    symlinkSync(join(outside, 'record.json'), join(root, 'wf-1.mp4.json'));
    await expect(saveToDirectory(root, '', TASK, request(SAMPLE))).rejects.toThrow(/wf-1\.mp4\.json exists and is not a regular file/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test('a file where a directory should be is refused', async () => {
    const root = newRoot();
    writeFileSync(join(root, 'videos'), 'a file');
    await expect(saveToDirectory(root, 'videos', TASK, request(SAMPLE))).rejects.toThrow(/is not a directory/);
  });

  test('not a video, over the cap, or a download that breaks: refused, and no partial file stays', async () => {
    const root = newRoot();
    mkdirSync(join(root, 'v'));
    const page = Buffer.from('<!doctype html><title>404</title>'.padEnd(200, ' '));
    await expect(saveToDirectory(root, 'v', TASK, request(page))).rejects.toThrow(VideoRejectedError);
    await expect(saveToDirectory(root, 'v', TASK, request(SAMPLE, { maxBytes: 4096 }))).rejects.toThrow(/over the 4096-byte limit/);
    const broken = request(SAMPLE, {
      open: async () =>
        Readable.from(
          (async function* () {
            yield SAMPLE.subarray(0, 1000);
            throw new Error('connection reset (test)');
          })(),
        ),
    });
    await expect(saveToDirectory(root, 'v', TASK, broken)).rejects.toThrow(/connection reset/);
    expect(readdirSync(join(root, 'v'))).toEqual([]);
  });
});

describe('save settings', () => {
  const base = { RIVYA_API_KEY: 'rvya_sk_test_settings_secret_value' };

  test('RIVYA_SAVE_DIR, RIVYA_S3_FORCE_PATH_STYLE and RIVYA_SAVE_MAX_BYTES are read and bounded', () => {
    const settings = readRivyaSettings({
      ...base,
      RIVYA_SAVE_DIR: '/srv/videos',
      RIVYA_S3_FORCE_PATH_STYLE: 'true',
      RIVYA_SAVE_MAX_BYTES: '1048576',
    });
    expect(settings.RIVYA_SAVE_DIR).toBe('/srv/videos');
    expect(settings.RIVYA_S3_FORCE_PATH_STYLE).toBe(true);
    expect(settings.RIVYA_SAVE_MAX_BYTES).toBe(1048576);
    expect(readRivyaSettings(base).RIVYA_S3_FORCE_PATH_STYLE).toBe(false);
    expect(() => readRivyaSettings({ ...base, RIVYA_SAVE_MAX_BYTES: String(6 * 1024 ** 3) })).toThrow(
      /RIVYA_SAVE_MAX_BYTES must be a whole number/,
    );
    expect(() => readRivyaSettings({ ...base, RIVYA_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(
      /RIVYA_S3_FORCE_PATH_STYLE must be true or false/,
    );
  });

  test('a save directory that does not exist fails the worker start, naming the variable', () => {
    const root = newRoot();
    expect(() => checkSaveDirectory(root)).not.toThrow();
    expect(() => checkSaveDirectory(join(root, 'missing'))).toThrow(Sora2ConfigError);
    expect(() => checkSaveDirectory(join(root, 'missing'))).toThrow(/RIVYA_SAVE_DIR must be an existing directory .* does not exist/);
    writeFileSync(join(root, 'file'), 'x');
    expect(() => checkSaveDirectory(join(root, 'file'))).toThrow(/is not a directory/);
  });
});

describe('rivyaSaveResult (activity test environment)', () => {
  const input = (to: string, videoUrl = 'https://media.example/v.mp4') => ({ workflowId: 'wf-act', taskId: 'task_1', videoUrl, to });

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const err = await promise.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }

  test('a directory target on a worker without RIVYA_SAVE_DIR, or a bad target, is refused for good', async () => {
    const noRoot = await failureOf(new MockActivityEnvironment().run(makeSaveResult({}), input('videos')));
    expect(noRoot).toMatchObject({ type: 'ResultSaveRejected', nonRetryable: true });
    expect(noRoot.message).toMatch(/only when RIVYA_SAVE_DIR is set/);
    const bad = await failureOf(new MockActivityEnvironment().run(makeSaveResult({ saveDirectory: newRoot() }), input('../up')));
    expect(bad).toMatchObject({ type: 'ResultSaveRejected', nonRetryable: true });
  });

  test('saves from a media host, heartbeating the bytes; a 404 is refused, a 503 is retried', async () => {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://host').pathname;
      if (path === '/v.mp4') return void res.writeHead(200, { 'Content-Length': SAMPLE.length }).end(SAMPLE);
      res.writeHead(path === '/busy.mp4' ? 503 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const root = newRoot();
      const save = makeSaveResult({ saveDirectory: root, urlPolicy: { allowHttp: true, allowPrivateNetworks: true } });
      const env = new MockActivityEnvironment({ attempt: 1 });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (details: unknown) => heartbeats.push(details));
      const saved = await env.run(save, input('videos', `${base}/v.mp4?token=secret`));
      expect(saved).toEqual({
        location: join(root, 'videos', 'wf-act.mp4'),
        bytes: SAMPLE.length,
        contentType: 'video/mp4',
        sha256: sha256(SAMPLE),
      });
      expect(heartbeats[0]).toEqual({ bytes: 0 });

      const gone = await failureOf(new MockActivityEnvironment().run(save, input('gone', `${base}/gone.mp4?token=secret`)));
      expect(gone).toMatchObject({ type: 'ResultSaveRejected', nonRetryable: true });
      // The URL's query (signed URLs carry tokens there) stays out of the message.
      expect(gone.message).toBe(`${base}/gone.mp4 answered HTTP 404`);
      const busy = await failureOf(new MockActivityEnvironment().run(save, input('other', `${base}/busy.mp4`)));
      expect(busy).toMatchObject({ type: 'ResultSaveFailed', nonRetryable: false });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
