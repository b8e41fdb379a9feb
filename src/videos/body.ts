/**
 * The create request's body, bounded: JSON (`application/json`) or multipart (`multipart/form-data`,
 * what the official clients send for `videos.create`). An `input_reference` upload is streamed to a
 * file under the uploads directory (inside the worker's reference directory), checked by its
 * signature, and named by its SHA-256 — so a retried create with the same image names the same file
 * and the generation's input stays the same (the retry attaches).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import busboy from 'busboy';
import { MAX_REFERENCE_BYTES } from '../contract/models';
import { readRawBody } from '../webhooks/body';
import { badParam, VideosHttpError } from './errors';
import type { VideoCreateFields } from './mapping';

export const VIDEOS_BODY_LIMITS = {
  /** A JSON create body: a 10,000-character prompt is at most ~40 KB of UTF-8. */
  maxJsonBytes: 64 * 1024,
  /** One multipart text field. */
  maxFieldBytes: 64 * 1024,
  maxFields: 8,
  /** Rivya's sora-2 reference rule: one image of at most 10 MB. */
  maxUploadBytes: MAX_REFERENCE_BYTES,
  /** The whole multipart body: the upload plus the fields and the framing. */
  maxMultipartBytes: MAX_REFERENCE_BYTES + 1024 * 1024,
} as const;

/** The uploads' folder inside the worker's reference directory (the generation gets `<this>/<file>`). */
export const UPLOADS_SUBDIRECTORY = 'openai-video-uploads';

export interface CreateBody {
  fields: VideoCreateFields;
  /** Names of every field given, for the unknown-field check. */
  names: string[];
  /** The upload's path relative to the reference directory. */
  uploadedReference?: string;
}

const IMAGE_SIGNATURES: Array<{ ext: string; test: (head: Buffer) => boolean }> = [
  { ext: 'jpg', test: (h) => h.length >= 3 && h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff },
  { ext: 'png', test: (h) => h.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'webp', test: (h) => h.subarray(0, 4).toString('latin1') === 'RIFF' && h.subarray(8, 12).toString('latin1') === 'WEBP' },
];

function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export async function readCreateBody(req: IncomingMessage, referenceDirectory: string | undefined): Promise<CreateBody> {
  const type = mediaTypeOf(req);
  if (type === 'application/json') return readJson(req);
  if (type === 'multipart/form-data') return readMultipart(req, referenceDirectory);
  throw new VideosHttpError(415, 'send application/json or multipart/form-data', 'unsupported_media_type');
}

async function readJson(req: IncomingMessage): Promise<CreateBody> {
  const body = await readRawBody(req, VIDEOS_BODY_LIMITS.maxJsonBytes);
  if (!body.ok) throw new VideosHttpError(413, `the JSON body must be at most ${VIDEOS_BODY_LIMITS.maxJsonBytes} bytes`, 'body_too_large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.body.toString('utf8'));
  } catch {
    throw new VideosHttpError(400, 'the body is not valid JSON', 'invalid_json');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new VideosHttpError(400, 'the body must be a JSON object', 'invalid_json');
  return { fields: parsed as VideoCreateFields, names: Object.keys(parsed) };
}

/** `input_reference[image_url]` → ['input_reference', 'image_url']; plain names have no sub-key. */
function splitFieldName(name: string): [string, string | undefined] {
  const match = /^([a-z_]+)\[([a-z_]+)\]$/.exec(name);
  return match ? [match[1]!, match[2]!] : [name, undefined];
}

function readMultipart(req: IncomingMessage, referenceDirectory: string | undefined): Promise<CreateBody> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > VIDEOS_BODY_LIMITS.maxMultipartBytes)
    return Promise.reject(
      new VideosHttpError(413, `the body must be at most ${VIDEOS_BODY_LIMITS.maxMultipartBytes} bytes`, 'body_too_large'),
    );
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: {
        fields: VIDEOS_BODY_LIMITS.maxFields,
        fieldSize: VIDEOS_BODY_LIMITS.maxFieldBytes,
        files: 1,
        fileSize: VIDEOS_BODY_LIMITS.maxUploadBytes,
        parts: VIDEOS_BODY_LIMITS.maxFields + 1,
        headerPairs: 20,
      },
    });
  } catch {
    return Promise.reject(new VideosHttpError(400, 'malformed multipart body', 'invalid_multipart'));
  }
  const fields: Record<string, unknown> = {};
  const names: string[] = [];
  let upload: Promise<string> | undefined;
  let uploadStream: NodeJS.ReadableStream | undefined;
  let failure: VideosHttpError | undefined;
  let received = 0;

  return new Promise<CreateBody>((resolve, reject) => {
    // The first failure answers; reading stops (the handler closes a connection whose body was not
    // read to its end) and a half-written upload is removed by saveUpload.
    const fail = (err: VideosHttpError) => {
      if (failure) return;
      failure = err;
      req.unpipe(parser);
      req.pause();
      (uploadStream as (NodeJS.ReadableStream & { destroy?: (err?: Error) => void }) | undefined)?.destroy?.(err);
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > VIDEOS_BODY_LIMITS.maxMultipartBytes && !failure)
        fail(new VideosHttpError(413, `the body must be at most ${VIDEOS_BODY_LIMITS.maxMultipartBytes} bytes`, 'body_too_large'));
    });
    parser.on('field', (name, value, info) => {
      if (failure) return;
      if (info.valueTruncated)
        return fail(badParam(name.slice(0, 64), `${name.slice(0, 64)} must be at most ${VIDEOS_BODY_LIMITS.maxFieldBytes} bytes`));
      const [top, sub] = splitFieldName(name);
      names.push(top);
      if (sub === undefined) fields[top] = value;
      else fields[top] = { ...(fields[top] as Record<string, unknown> | undefined), [sub]: value };
    });
    parser.on('file', (name, stream) => {
      if (failure || name !== 'input_reference' || upload) {
        stream.resume();
        if (!failure) fail(badParam(name.slice(0, 64), 'only one file, input_reference, may be uploaded', 'unknown_parameter'));
        return;
      }
      names.push(name);
      if (!referenceDirectory) {
        stream.resume();
        return fail(
          badParam(
            'input_reference',
            "this endpoint takes no uploads: it was started without a reference directory (the worker's RIVYA_REFERENCE_DIR)",
          ),
        );
      }
      uploadStream = stream;
      upload = saveUpload(stream, referenceDirectory);
      upload.catch((err: unknown) =>
        fail(err instanceof VideosHttpError ? err : new VideosHttpError(500, 'the upload could not be stored', 'upload_failed')),
      );
    });
    parser.on('fieldsLimit', () => fail(new VideosHttpError(400, `at most ${VIDEOS_BODY_LIMITS.maxFields} fields`, 'too_many_fields')));
    parser.on('partsLimit', () => fail(new VideosHttpError(400, 'too many parts', 'too_many_fields')));
    parser.on('filesLimit', () =>
      fail(badParam('input_reference', 'only one file, input_reference, may be uploaded', 'unknown_parameter')),
    );
    parser.on('error', () => fail(new VideosHttpError(400, 'malformed multipart body', 'invalid_multipart')));
    parser.on('close', () => {
      if (failure) return;
      (upload ?? Promise.resolve(undefined)).then(
        (uploadedReference) => (failure ? undefined : resolve({ fields, names, ...(uploadedReference ? { uploadedReference } : {}) })),
        () => undefined, // reported through fail()
      );
    });
    req.pipe(parser);
  });
}

/** Streams one upload to `<reference dir>/<uploads>/<sha256>.<ext>`; refuses an oversized or non-image file. */
async function saveUpload(stream: NodeJS.ReadableStream & { truncated?: boolean }, referenceDirectory: string): Promise<string> {
  const directory = join(referenceDirectory, UPLOADS_SUBDIRECTORY);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const partial = join(directory, `.incoming-${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let bytes = 0;
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
        if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
        if (!out.write(chunk)) {
          stream.pause();
          out.once('drain', () => stream.resume());
        }
      });
      stream.on('end', () => out.end());
      stream.on('error', reject);
      out.on('finish', resolve);
      out.on('error', reject);
    });
    if (stream.truncated)
      throw badParam(
        'input_reference',
        `input_reference must be at most ${VIDEOS_BODY_LIMITS.maxUploadBytes} bytes (Rivya's sora-2 reference rule)`,
        'file_too_large',
      );
    const kind = IMAGE_SIGNATURES.find((signature) => signature.test(head));
    if (bytes === 0 || !kind)
      throw badParam(
        'input_reference',
        "input_reference must be a JPEG, PNG or WebP image (Rivya's sora-2 takes one image reference)",
        'invalid_file',
      );
    const name = `${hash.digest('hex')}.${kind.ext}`;
    await rename(partial, join(directory, name));
    return `${UPLOADS_SUBDIRECTORY}/${name}`;
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}
