/**
 * A video's id is its generation's workflow id: `video_<owner>_<32 hex>`. `<owner>` is derived from
 * the caller's name, so a caller can only name (retrieve, list, download, delete) its own videos; the
 * rest is random, or — with an Idempotency-Key — a hash of the caller and the key, so a retried
 * create lands on the same workflow id and attaches instead of paying for a second task.
 */
import { createHash, randomBytes } from 'node:crypto';

export const VIDEO_ID_PATTERN = /^video_[0-9a-f]{12}_[0-9a-f]{32}$/;
/** Rivya's own limit for its Idempotency-Key, applied to ours. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The 12-hex tag of a caller, the prefix of all its video ids. */
export function ownerTag(caller: string): string {
  return sha256(`rivya-videos-owner\0${caller}`).slice(0, 12);
}

export function ownerPrefix(caller: string): string {
  return `video_${ownerTag(caller)}_`;
}

/** A new video's id: from the Idempotency-Key when given (same caller + key → same id), else random. */
export function newVideoId(caller: string, idempotencyKey: string | undefined): string {
  const tail =
    idempotencyKey === undefined
      ? randomBytes(16).toString('hex')
      : sha256(`rivya-videos-idempotency\0${caller}\0${idempotencyKey}`).slice(0, 32);
  return `${ownerPrefix(caller)}${tail}`;
}

/** Whether `id` is a well-formed video id of this caller (anything else is answered as not found). */
export function isOwnVideoId(id: string, caller: string): boolean {
  return VIDEO_ID_PATTERN.test(id) && id.startsWith(ownerPrefix(caller));
}
