/**
 * The checks a saved video passes while it streams through, without ever being held whole: its
 * SHA-256, its size against a cap (enforced mid-stream, so an endless body stops at cap + 1 chunk),
 * and its first bytes against the MP4/QuickTime signature (ISO BMFF `ftyp`).
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SNIFF_BYTES, sniffMime } from '../internal/media/sniff';

/** What a saved video may be: the containers Rivya renders to. */
export const VIDEO_CONTENT_TYPES = ['video/mp4', 'video/quicktime'] as const;
export type VideoContentType = (typeof VIDEO_CONTENT_TYPES)[number];

/** The bytes are not a video we save, or too many: no retry changes that. */
export class VideoRejectedError extends Error {
  override readonly name = 'VideoRejectedError';
}

export interface InspectedVideo {
  bytes: number;
  contentType: VideoContentType;
  sha256: string;
}

/** Reads the container type from the first bytes, or explains why they are not a video we save. */
export function videoContentTypeOf(head: Uint8Array): VideoContentType {
  const mime = sniffMime(head);
  if (mime === 'video/mp4' || mime === 'video/quicktime') return mime;
  const what = mime ? `a ${mime} file` : head.length < SNIFF_BYTES ? `only ${head.length} bytes` : 'not a known media signature';
  throw new VideoRejectedError(`the result is not an MP4/QuickTime video (${what})`);
}

/**
 * A pass-through stream that hashes, counts and checks what flows through it. `result()` is
 * available once the stream has ended; `onProgress` sees the running byte count.
 */
export class VideoInspector extends Transform {
  private readonly hash = createHash('sha256');
  private head = Buffer.alloc(0);
  private contentType: VideoContentType | undefined;
  private received = 0;
  private digest: string | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly onProgress: (bytes: number) => void = () => undefined,
  ) {
    super();
  }

  get bytes(): number {
    return this.received;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) return done(new VideoRejectedError(`the result is over the ${this.maxBytes}-byte limit`));
    try {
      if (this.contentType === undefined) {
        this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES - this.head.length)]);
        if (this.head.length >= SNIFF_BYTES) this.contentType = videoContentTypeOf(this.head);
      }
    } catch (err) {
      return done(err as Error);
    }
    this.hash.update(chunk);
    this.onProgress(this.received);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.contentType ??= videoContentTypeOf(this.head);
    } catch (err) {
      return done(err as Error);
    }
    this.digest = this.hash.digest('hex');
    done();
  }

  /** The checked facts; throws if the stream has not ended cleanly. */
  result(): InspectedVideo {
    if (this.digest === undefined || this.contentType === undefined) throw new Error('the video stream has not ended');
    return { bytes: this.received, contentType: this.contentType, sha256: this.digest };
  }
}
