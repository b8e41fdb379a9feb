/**
 * The record a directory save leaves next to its video (`<file>.json`): which task the video is,
 * its SHA-256, size and container. It is the directory sink's counterpart of the task-id and
 * SHA-256 metadata on an S3 object: a file at the target name is reused only when its record names
 * this task and the bytes on disk still hash to what the record says. Anything else at that name
 * (a reused workflow id, another deployment's leftover, a planted or truncated file) is replaced.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { VIDEO_CONTENT_TYPES, type InspectedVideo } from './video-inspector';

export interface SaveRecord extends InspectedVideo {
  /** Rivya's task id, as the S3 sink keeps it in `x-amz-meta-rivya-task-id`. */
  taskId: string;
}

/** A record is a few hundred bytes: anything larger at that name is not ours, and is not read whole. */
const MAX_RECORD_BYTES = 4096;

const recordSchema = z
  .object({
    taskId: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    contentType: z.enum(VIDEO_CONTENT_TYPES),
  })
  .strict();

/** `<video file>.json`: never a video's own name (those end in `.mp4`), so no two saves collide. */
export function saveRecordName(fileName: string): string {
  return `${fileName}.json`;
}

export function formatSaveRecord(record: SaveRecord): string {
  const { taskId, sha256, bytes, contentType } = record;
  return `${JSON.stringify({ taskId, sha256, bytes, contentType }, null, 2)}\n`;
}

/**
 * The record at `path` if it is one, else undefined: missing, a link (O_NOFOLLOW), not a regular
 * file, too large or malformed all mean "nothing proves this file", never an error.
 */
export async function readSaveRecord(path: string): Promise<SaveRecord | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > MAX_RECORD_BYTES) return undefined;
    const buffer = Buffer.alloc(MAX_RECORD_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const parsed = recordSchema.safeParse(JSON.parse(buffer.subarray(0, bytesRead).toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
