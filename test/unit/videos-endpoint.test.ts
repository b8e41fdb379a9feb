/**
 * The videos endpoint's pure rules: OpenAI fields → Rivya's sora-2 params (and the refusals), the
 * caller keys, video ids (owner and idempotency), and progress from the run's live status.
 */
import { parseCallerKeys, VideosConfigError } from '../../src/videos';
import { callerAuthenticator } from '../../src/videos/auth';
import { isOwnVideoId, newVideoId, VIDEO_ID_PATTERN } from '../../src/videos/ids';
import { mapVideoCreate, refuseUnknownFields } from '../../src/videos/mapping';
import { VideosHttpError } from '../../src/videos/errors';
import { progressOf } from '../../src/videos/video-object';
import { etaAt, etaOf } from '../../workflows/generation/eta';
import type { GenerationStatus } from '../../workflows/generation/messages';

function refusal(run: () => unknown): VideosHttpError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(VideosHttpError);
    return err as VideosHttpError;
  }
  throw new Error('not refused');
}

describe('mapVideoCreate', () => {
  it('maps seconds to n_frames and size to the aspect ratio', () => {
    expect(mapVideoCreate({ prompt: 'p', model: 'sora-2', seconds: '15', size: '1280x720' })).toEqual({
      prompt: 'p',
      seconds: '15',
      size: '1280x720',
      params: { n_frames: '15', aspect_ratio: 'landscape' },
    });
  });

  it("defaults: Rivya's 10 seconds, OpenAI's portrait size, model sora-2", () => {
    expect(mapVideoCreate({ prompt: 'p' })).toMatchObject({
      seconds: '10',
      size: '720x1280',
      params: { n_frames: '10', aspect_ratio: 'portrait' },
    });
  });

  it.each(['4', '8', '12', '20'])('refuses seconds "%s", naming what sora-2 accepts', (seconds) => {
    const err = refusal(() => mapVideoCreate({ prompt: 'p', seconds }));
    expect(err.status).toBe(400);
    expect(err.body()).toEqual({
      error: { type: 'invalid_request_error', param: 'seconds', code: 'unsupported_value', message: expect.stringContaining('"10", "15"') },
    });
  });

  it.each(['1024x1792', '1792x1024', '640x480'])('refuses size %s', (size) => {
    expect(refusal(() => mapVideoCreate({ prompt: 'p', size })).param).toBe('size');
  });

  it('refuses other models, an empty or overlong prompt, file_id and non-https references', () => {
    expect(refusal(() => mapVideoCreate({ prompt: 'p', model: 'sora-2-pro' })).param).toBe('model');
    expect(refusal(() => mapVideoCreate({ prompt: '  ' })).param).toBe('prompt');
    expect(refusal(() => mapVideoCreate({ prompt: 'x'.repeat(10_001) })).param).toBe('prompt');
    expect(refusal(() => mapVideoCreate({ prompt: 'p', input_reference: { file_id: 'file_1' } })).message).toContain('Files API');
    expect(refusal(() => mapVideoCreate({ prompt: 'p', input_reference: { image_url: 'data:image/png;base64,AAAA' } })).param).toBe(
      'input_reference',
    );
    expect(mapVideoCreate({ prompt: 'p', input_reference: { image_url: 'https://example.com/a.png' } }).referenceUrl).toBe(
      'https://example.com/a.png',
    );
  });

  it('refuses unknown fields by name', () => {
    expect(refusal(() => refuseUnknownFields(['prompt', 'remix_video_id'])).param).toBe('remix_video_id');
  });
});

describe('caller keys', () => {
  it('parses name:key entries with comments; a rotation shares a name', () => {
    const keys = parseCallerKeys(
      '# callers\nalice:alice-key-0123456789abc\nalice:alice-next-key-0123456\n bob:bob-key-0123456789abcd # ops\n',
    );
    expect(keys.map((key) => key.name)).toEqual(['alice', 'alice', 'bob']);
    const authenticate = callerAuthenticator(keys);
    expect(authenticate('Bearer alice-next-key-0123456')).toBe('alice');
    expect(authenticate('Bearer bob-key-0123456789abcd')).toBe('bob');
    expect(authenticate('Bearer nope-nope-nope-nope')).toBeUndefined();
    expect(authenticate('Basic alice-key-0123456789abc')).toBeUndefined();
    expect(authenticate(undefined)).toBeUndefined();
    expect(authenticate(`Bearer ${'x'.repeat(10_000)}`)).toBeUndefined();
  });

  it('refuses a Rivya key, short keys and no keys, never quoting a key', () => {
    const rivya = () => parseCallerKeys('svc:rvya_sk_live_secret_value_123');
    expect(rivya).toThrow(VideosConfigError);
    expect(rivya).toThrow(/Rivya API key/);
    expect(rivya).not.toThrow(/secret_value/);
    expect(() => parseCallerKeys('svc:same-as-the-worker-key-123', 'same-as-the-worker-key-123')).toThrow(/Rivya API key/);
    expect(() => parseCallerKeys('svc:short')).toThrow(VideosConfigError);
    expect(() => parseCallerKeys('')).toThrow(/no caller keys/);
    expect(() => parseCallerKeys('no-colon-here-0123456789')).toThrow(/name:key/);
  });
});

describe('video ids', () => {
  it('the same caller and Idempotency-Key give the same id; another caller or key another', () => {
    const id = newVideoId('alice', 'k1');
    expect(id).toMatch(VIDEO_ID_PATTERN);
    expect(newVideoId('alice', 'k1')).toBe(id);
    expect(newVideoId('bob', 'k1')).not.toBe(id);
    expect(newVideoId('alice', 'k2')).not.toBe(id);
    expect(newVideoId('alice', undefined)).not.toBe(newVideoId('alice', undefined));
  });

  it('a caller owns only its own ids', () => {
    const id = newVideoId('alice', undefined);
    expect(isOwnVideoId(id, 'alice')).toBe(true);
    expect(isOwnVideoId(id, 'bob')).toBe(false);
    expect(isOwnVideoId(`${id}x`, 'alice')).toBe(false);
  });
});

describe('progressOf', () => {
  const status = (extra: Partial<GenerationStatus>): GenerationStatus =>
    ({ phase: 'polling', remoteStatus: 'processing', startedAt: new Date(0).toISOString(), completion: {}, ...extra }) as GenerationStatus;

  it('queued before and while Rivya queues the task, in_progress while it runs, near done while saving', () => {
    expect(progressOf(status({ phase: 'creating-task', remoteStatus: null }), 0)).toEqual({ status: 'queued', progress: 0 });
    expect(progressOf(status({ remoteStatus: 'queued' }), 0)).toEqual({ status: 'queued', progress: 1 });
    // A phase without a task at Rivya that this code does not name (an approval gate): still queued.
    expect(progressOf(status({ phase: 'awaiting-approval' as never, remoteStatus: null }), 0)).toEqual({ status: 'queued', progress: 0 });
    expect(progressOf(status({ phase: 'saving' }), 0)).toEqual({ status: 'in_progress', progress: 95 });
  });

  it('from the expected duration when there is one (capped below done), else a coarse 50', () => {
    const expected = { completion: { expectedDurationMs: 100_000 } as GenerationStatus['completion'] };
    expect(progressOf(status(expected), 50_000).progress).toBe(45);
    expect(progressOf(status(expected), 500_000).progress).toBe(90);
    expect(progressOf(status({}), 50_000)).toEqual({ status: 'in_progress', progress: 50 });
  });

  it("from the run's ETA when it has one, recomputed for now", () => {
    const eta = etaOf({
      durations: { source: 'learned', samples: 20, points: [[0.5, 100_000]] },
      taskCreatedAtMs: 0,
      nowMs: 10_000,
      ended: false,
    });
    expect(eta.kind).toBe('estimate');
    const later = progressOf(status({ eta, completion: { expectedDurationMs: 1_000_000 } as GenerationStatus['completion'] }), 60_000);
    expect(later.status).toBe('in_progress');
    expect(later.progress).toBe(Math.max(5, Math.min(90, etaAt(eta, 60_000).progressPercent!)));
    expect(later.progress).toBeGreaterThan(progressOf(status({ eta }), 10_000).progress);
  });
});
