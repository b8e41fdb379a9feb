/**
 * Where a generation's video is saved, as the workflow input names it (`save.to`): a directory
 * relative to the worker's save root, or `s3://bucket/prefix`. Parsed and bounded here, once, for
 * the input schema (refuse before anything is paid for), the CLI and the save activity.
 * Workflow-safe: pure string rules, no I/O.
 */

export type SaveTarget =
  /** Relative to the worker's save root (RIVYA_SAVE_DIR); '' is the root itself. */
  | { kind: 'directory'; path: string }
  /** `prefix` has no leading or trailing slash; '' saves at the bucket's top level. */
  | { kind: 's3'; bucket: string; prefix: string };

export type SaveTargetCheck = { ok: true; target: SaveTarget } | { ok: false; message: string };

export const SAVE_TARGET_LIMITS = {
  /** The whole `save.to` string. */
  maxChars: 1024,
  /**
   * The S3 prefix: an object key is at most 1024 bytes, and the key is `<prefix>/<workflow id,
   * percent-encoded>.mp4` with the id up to 256 characters (up to 768 once encoded).
   */
  maxPrefixChars: 200,
  /** Each directory or prefix segment: what common file systems take as one name. */
  maxSegmentChars: 255,
} as const;

const S3_SCHEME = 's3://';

/** Characters no target may hold: controls (C0, DEL, C1) and the backslash (a separator on Windows). */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\\]/;

/**
 * S3's bucket naming rules (general purpose buckets): 3–63 characters of lowercase letters,
 * digits, dots and hyphens, starting and ending with a letter or digit, no two adjacent dots, not
 * shaped like an IPv4 address, and none of the prefixes/suffixes S3 reserves.
 */
function bucketProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'the bucket name must be 3 to 63 characters';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket))
    return 'the bucket name must be lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (bucket.includes('..')) return 'the bucket name must not have two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return 'the bucket name must not look like an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(bucket) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(bucket))
    return 'the bucket name uses a prefix or suffix S3 reserves';
  return undefined;
}

/** A slash-separated relative path: no empty, `.` or `..` segments, none too long. */
function segmentsProblem(path: string, what: string): string | undefined {
  if (path === '') return undefined;
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return `${what} must not have empty, "." or ".." segments`;
    if (segment.length > SAVE_TARGET_LIMITS.maxSegmentChars)
      return `${what} segments must be at most ${SAVE_TARGET_LIMITS.maxSegmentChars} characters`;
  }
  return undefined;
}

function parseS3(rest: string): SaveTargetCheck {
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/$/, '');
  const bucketIssue = bucketProblem(bucket);
  if (bucketIssue) return { ok: false, message: bucketIssue };
  if (prefix.length > SAVE_TARGET_LIMITS.maxPrefixChars)
    return { ok: false, message: `the S3 prefix must be at most ${SAVE_TARGET_LIMITS.maxPrefixChars} characters` };
  const prefixIssue = segmentsProblem(prefix, 'the S3 prefix');
  if (prefixIssue) return { ok: false, message: prefixIssue };
  return { ok: true, target: { kind: 's3', bucket, prefix } };
}

function parseDirectory(raw: string): SaveTargetCheck {
  if (raw.startsWith('/') || /^[a-z]:/i.test(raw))
    return { ok: false, message: "a directory must be relative to the worker's save directory (RIVYA_SAVE_DIR), not absolute" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { ok: false, message: 'must be a relative directory or s3://bucket/prefix' };
  // `./videos`, `videos/` and `.` name what they look like; only the spelling is normalised.
  const path = raw
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/^\.$/, '');
  const issue = segmentsProblem(path, 'the directory');
  if (issue) return { ok: false, message: issue };
  return { ok: true, target: { kind: 'directory', path } };
}

export function parseSaveTarget(raw: string): SaveTargetCheck {
  if (raw.length === 0) return { ok: false, message: 'must not be empty' };
  if (raw.length > SAVE_TARGET_LIMITS.maxChars) return { ok: false, message: `must be at most ${SAVE_TARGET_LIMITS.maxChars} characters` };
  if (FORBIDDEN_CHARS.test(raw)) return { ok: false, message: 'must not contain control characters or backslashes' };
  if (raw.toLowerCase().startsWith(S3_SCHEME)) return parseS3(raw.slice(S3_SCHEME.length));
  return parseDirectory(raw);
}

/** The target as `save.to` spells it, canonical: `s3://bucket/prefix` or the relative directory ('.' for the root). */
export function formatSaveTarget(target: SaveTarget): string {
  if (target.kind === 's3') return `${S3_SCHEME}${target.bucket}${target.prefix ? `/${target.prefix}` : ''}`;
  return target.path === '' ? '.' : target.path;
}

/** encodeURIComponent plus `!'()*`: every character a name could trip on becomes %XX. */
function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A batch child's id: `<batch id>/<item key>`, the key as the batch allows it (letters, digits, `._:-`). */
const BATCH_CHILD_ID = /^([^/]+)\/([A-Za-z0-9][A-Za-z0-9._:-]*)$/;

/**
 * Between a batch's id and an item's key in a saved name. strictEncode turns every `@` into %40,
 * so no other workflow id's name holds one: the names stay one per workflow id.
 */
export const BATCH_KEY_SEPARATOR = '@';

/**
 * The saved file's name (and the last part of an S3 key): the workflow id, percent-encoded so any
 * id (slashes, spaces, `..`) becomes one safe name; deterministic, so a retry finds what an earlier
 * attempt saved. A batch child (`launch-1/clip-01`) is named by its batch and key,
 * `launch-1@clip-01.mp4`, never `launch-1%2Fclip-01.mp4`; every other id keeps the name it had.
 */
export function savedFileName(workflowId: string): string {
  const child = BATCH_CHILD_ID.exec(workflowId);
  // With the suffix the name is never "." or "..", whatever the id.
  if (child) return `${strictEncode(child[1]!)}${BATCH_KEY_SEPARATOR}${strictEncode(child[2]!)}.mp4`;
  return `${strictEncode(workflowId)}.mp4`;
}
