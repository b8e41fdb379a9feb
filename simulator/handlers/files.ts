/** `POST /api/v1/files` and `GET /api/v1/files/{id}` (D5, S5): multipart, type from magic bytes. */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import { IMAGE_MIME_TYPES, isSoraModel, MAX_CLIENT_REQUEST_ID_CHARS, MAX_REFERENCE_BYTES, MODEL_SPECS } from '../../src/contract/models';
import { kindOfMime, sniffMime, SNIFF_BYTES } from '../../src/internal/media/sniff';
import { notFound, validationFailed } from '../http';
import type { Caller } from '../auth';
import type { SimFile, SimulatorStore } from '../store';

/**
 * D5's default limits per kind, before any model's rule narrows them. D5's image default is the
 * same 10 MB and MIME list as the reference rule, so it comes from the models table; no model takes
 * video or audio references yet, so those two limits exist only here, copied from D5.
 */
const LIMITS: Record<string, { maxBytes: number; mimeTypes: readonly string[] }> = {
  image: { maxBytes: MAX_REFERENCE_BYTES, mimeTypes: IMAGE_MIME_TYPES },
  video: { maxBytes: 50 * 1024 * 1024, mimeTypes: ['video/mp4', 'video/quicktime', 'video/webm'] },
  audio: {
    maxBytes: 10 * 1024 * 1024,
    mimeTypes: ['audio/mpeg', 'audio/mp4', 'audio/wav', 'audio/x-wav', 'audio/aac', 'audio/ogg'],
  },
};
const LARGEST_LIMIT = Math.max(...Object.values(LIMITS).map((limit) => limit.maxBytes));

interface ReceivedUpload {
  fields: Record<string, string>;
  file?: { name: string; sizeBytes: number; head: Buffer; truncated: boolean; storagePath: string };
}

/** Streams the multipart body to disk, keeping only the first bytes in memory for sniffing. */
async function receive(req: IncomingMessage, storagePath: string): Promise<ReceivedUpload> {
  const received: ReceivedUpload = { fields: {} };
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: LARGEST_LIMIT, fields: 10 } });
  } catch {
    throw validationFailed('body: must be multipart/form-data');
  }
  const fileWrites: Promise<void>[] = [];
  parser.on('field', (name, value) => {
    received.fields[name] = value;
  });
  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || received.file) {
      stream.resume();
      return;
    }
    const file = { name: info.filename ?? '', sizeBytes: 0, head: Buffer.alloc(0), truncated: false, storagePath };
    received.file = file;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        file.sizeBytes += chunk.length;
        if (file.head.length < SNIFF_BYTES) file.head = Buffer.concat([file.head, chunk]).subarray(0, SNIFF_BYTES);
        done(null, chunk);
      },
    });
    stream.on('limit', () => {
      file.truncated = true;
    });
    fileWrites.push(pipeline(stream, counter, createWriteStream(storagePath)));
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('close', resolve);
    parser.on('error', () => reject(validationFailed('body: malformed multipart/form-data')));
    req.pipe(parser);
  });
  await Promise.all(fileWrites);
  return received;
}

export async function uploadFile(
  req: IncomingMessage,
  caller: Caller,
  store: SimulatorStore,
  options: { storageDir: string; publicBaseUrl: string; fileTtlMs: number; now: () => number },
): Promise<SimFile> {
  const id = store.newId('file');
  const storagePath = join(options.storageDir, id);
  try {
    return await acceptUpload(id, await receive(req, storagePath), caller, store, options);
  } catch (err) {
    // A rejected upload leaves nothing behind.
    await rm(storagePath, { force: true });
    throw err;
  }
}

function acceptUpload(
  id: string,
  { fields, file }: ReceivedUpload,
  caller: Caller,
  store: SimulatorStore,
  options: { publicBaseUrl: string; fileTtlMs: number; now: () => number },
): SimFile {
  const kind = fields.kind;
  if (!kind || !LIMITS[kind]) throw validationFailed('kind: required, one of image, video, audio');
  if (!file) throw validationFailed('file: required');
  if (fields.client_request_id && fields.client_request_id.length > MAX_CLIENT_REQUEST_ID_CHARS) {
    throw validationFailed(`client_request_id: at most ${MAX_CLIENT_REQUEST_ID_CHARS} characters`);
  }
  let { maxBytes, mimeTypes } = LIMITS[kind]!;
  if (fields.model !== undefined) {
    if (!isSoraModel(fields.model)) throw validationFailed(`model: unknown model "${fields.model}"`);
    const rule = MODEL_SPECS[fields.model].reference;
    if (kind !== rule.kind) throw validationFailed(`kind: ${fields.model} accepts only ${rule.kind} references`);
    maxBytes = Math.min(maxBytes, rule.maxBytes);
    mimeTypes = mimeTypes.filter((mime) => rule.mimeTypes.includes(mime));
  }
  if (file.sizeBytes === 0) throw validationFailed('file: empty');
  if (file.truncated || file.sizeBytes > maxBytes) throw validationFailed(`file: larger than ${maxBytes} bytes for kind ${kind}`);
  const mime = sniffMime(file.head);
  if (!mime || kindOfMime(mime) !== kind || !mimeTypes.includes(mime)) {
    throw validationFailed(`file: content is not one of ${mimeTypes.join(', ')} (checked by signature)`);
  }
  const now = options.now();
  const simFile: SimFile = {
    id,
    account: caller.account,
    kind,
    name: file.name || null,
    mimeType: mime,
    sizeBytes: file.sizeBytes,
    storagePath: file.storagePath,
    url: `${options.publicBaseUrl}/media/files/${id}`,
    clientRequestId: fields.client_request_id,
    createdAt: now,
    expiresAt: now + options.fileTtlMs,
  };
  store.addFile(simFile);
  return simFile;
}

export function getOwnedFile(store: SimulatorStore, caller: Caller, fileId: string): SimFile {
  const file = store.files.get(fileId);
  // Another account's file is indistinguishable from a missing one (D4's rule for tasks, applied here too).
  if (!file || file.account !== caller.account) throw notFound(`No file ${fileId}.`);
  return file;
}
