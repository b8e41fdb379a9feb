/**
 * The payload encryption keys: a ring of named 32-byte AES-256 keys. The first key encrypts, every
 * key decrypts, so a rotation is "put the new key first, keep the old ones until no history needs
 * them". Keys come from RIVYA_CODEC_KEYS and/or the file named by RIVYA_CODEC_KEY_FILE, never from
 * code.
 *
 * Error messages name the variable, the file or the key id (ids are labels, not secrets) and never
 * repeat key material. The ring holds its keys as node:crypto KeyObjects in a private field: they
 * show in no JSON, inspect or spread.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { Sora2ConfigError } from '../worker/settings';

/** `id:base64key` pairs, separated by commas, spaces or newlines; the first one encrypts. */
export const CODEC_KEYS_ENV = 'RIVYA_CODEC_KEYS';
/** A file of keys: JSON (`{"keys":[{"id","key"}]}` or `[{"id","key"}]`) or `id:base64key` lines. */
export const CODEC_KEY_FILE_ENV = 'RIVYA_CODEC_KEY_FILE';

/** AES-256 takes 32-byte keys. */
export const CODEC_KEY_BYTES = 32;
/** More keys than this means a rotation was never finished. */
export const MAX_CODEC_KEYS = 16;
/** A key file is a few lines; anything bigger is the wrong file. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Key ids travel in every payload's metadata and in error messages: short, printable, no separators. */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A wrong or missing key setting: names the variable/file and the key id, never the key. */
export class CodecConfigError extends Sora2ConfigError {
  override readonly name = 'CodecConfigError';
}

/** A payload encrypted with a key id the ring does not hold (e.g. a retired key removed too early). */
export class UnknownCodecKeyError extends Error {
  override readonly name = 'UnknownCodecKeyError';
  constructor(
    readonly keyId: string,
    knownIds: readonly string[],
  ) {
    super(
      `payload was encrypted with key id ${describeKeyId(keyId)}, which is not in the key ring (ids: ${knownIds.join(', ')}); ` +
        `add that key back to ${CODEC_KEYS_ENV} or ${CODEC_KEY_FILE_ENV} (after the encrypting key) to read it`,
    );
  }
}

/** A key id as an error may print it: ids that are not well-formed came from outside and are not echoed. */
export function describeKeyId(keyId: string): string {
  return KEY_ID.test(keyId) ? JSON.stringify(keyId) : '(an invalid key id)';
}

export function isValidKeyId(keyId: string): boolean {
  return KEY_ID.test(keyId);
}

/** A key as given: raw bytes, or base64 (standard or URL-safe, padding optional). */
export interface CodecKeyInput {
  id: string;
  key: Uint8Array | string;
}

/** Strict base64: the text must be exactly what its bytes encode to (no stray characters silently dropped). */
function decodeBase64Key(text: string): Buffer | undefined {
  const unpadded = text.trim().replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]+$/.test(unpadded)) return undefined;
  const bytes = Buffer.from(unpadded, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === unpadded ? bytes : undefined;
}

function keyBytes(input: CodecKeyInput, source: string): Buffer {
  const id = JSON.stringify(input.id);
  if (typeof input.key === 'string') {
    const bytes = decodeBase64Key(input.key);
    if (!bytes) throw new CodecConfigError(`${source}: key ${id} is not base64 (make one with \`openssl rand -base64 32\`)`);
    input = { id: input.id, key: bytes };
  }
  if (!(input.key instanceof Uint8Array)) throw new CodecConfigError(`${source}: key ${id} must be bytes or base64 text`);
  if (input.key.length !== CODEC_KEY_BYTES) {
    throw new CodecConfigError(
      `${source}: key ${id} is ${input.key.length} bytes; AES-256 needs exactly ${CODEC_KEY_BYTES} (make one with \`openssl rand -base64 32\`)`,
    );
  }
  return Buffer.from(input.key);
}

export class CodecKeyRing {
  readonly #keys = new Map<string, KeyObject>();
  /** The key new payloads are encrypted with: the first one given. */
  readonly encryptingKeyId: string;

  /** `source` names where the keys came from, for error messages (e.g. "RIVYA_CODEC_KEYS"). */
  constructor(keys: readonly CodecKeyInput[], source = 'codec keys') {
    if (keys.length === 0) throw new CodecConfigError(`${source}: no key given`);
    if (keys.length > MAX_CODEC_KEYS) {
      throw new CodecConfigError(`${source}: ${keys.length} keys given; at most ${MAX_CODEC_KEYS} (drop keys no history needs any more)`);
    }
    for (const [index, input] of keys.entries()) {
      if (typeof input?.id !== 'string' || !KEY_ID.test(input.id)) {
        throw new CodecConfigError(
          `${source}: key #${index + 1} has no valid id (1–64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit)`,
        );
      }
      if (this.#keys.has(input.id)) throw new CodecConfigError(`${source}: key id ${JSON.stringify(input.id)} is given twice`);
      this.#keys.set(input.id, createSecretKey(keyBytes(input, source)));
    }
    this.encryptingKeyId = keys[0]!.id; // at least one key: checked above
    Object.freeze(this);
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** The key with this id; an UnknownCodecKeyError names the id (never a key). */
  key(keyId: string): KeyObject {
    const key = this.#keys.get(keyId);
    if (!key) throw new UnknownCodecKeyError(keyId, this.keyIds);
    return key;
  }

  toJSON(): { encryptingKeyId: string; keyIds: string[] } {
    return { encryptingKeyId: this.encryptingKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `CodecKeyRing ${inspect(this.toJSON())}`;
  }

  toString(): string {
    return `CodecKeyRing ${JSON.stringify(this.toJSON())}`;
  }
}

/** `k2:base64,k1:base64` (commas, spaces or newlines between pairs; `#` starts a comment line). */
export function parseCodecKeys(text: string, source: string = CODEC_KEYS_ENV): CodecKeyInput[] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join(' ')
    .split(/[\s,]+/)
    .filter((entry) => entry.length > 0);
  return entries.map((entry, index) => {
    const separator = entry.indexOf(':');
    // Only the position is named: an entry without a separator may be a bare key.
    if (separator <= 0) throw new CodecConfigError(`${source}: entry #${index + 1} is not id:base64key`);
    return { id: entry.slice(0, separator), key: entry.slice(separator + 1) };
  });
}

/** The keys of a key file: JSON, or `id:base64key` lines. */
export function readCodecKeyFile(path: string, source = `${CODEC_KEY_FILE_ENV} (${path})`): CodecKeyInput[] {
  let text: string;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new CodecConfigError(`${source} is not a file`);
    if (stats.size > MAX_KEY_FILE_BYTES)
      throw new CodecConfigError(`${source} is ${stats.size} bytes; a key file is at most ${MAX_KEY_FILE_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof CodecConfigError) throw err;
    throw new CodecConfigError(`${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return parseCodecKeys(text, source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // JSON.parse's message may quote the text around the error: that could be key material.
    throw new CodecConfigError(`${source} is not valid JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new CodecConfigError(`${source}: expected {"keys":[{"id":…,"key":…}]} or a list of {"id","key"}`);
  return list.map((item: unknown, index) => {
    const { id, key } = (item ?? {}) as { id?: unknown; key?: unknown };
    if (typeof id !== 'string' || typeof key !== 'string')
      throw new CodecConfigError(`${source}: entry #${index + 1} needs string "id" and "key"`);
    return { id, key };
  });
}

type Env = Record<string, string | undefined>;

/** Whether the environment asks for payload encryption (either variable set and not empty). */
export function codecKeysConfigured(env: Env = process.env): boolean {
  return Boolean(env[CODEC_KEYS_ENV]?.trim() || env[CODEC_KEY_FILE_ENV]?.trim());
}

/**
 * The key ring from RIVYA_CODEC_KEYS followed by the keys of RIVYA_CODEC_KEY_FILE (so the variable's
 * first key encrypts when both are set). Neither set is an error: a caller asked for encryption.
 */
export function readCodecKeyRing(env: Env = process.env): CodecKeyRing {
  const inline = env[CODEC_KEYS_ENV]?.trim();
  const file = env[CODEC_KEY_FILE_ENV]?.trim();
  if (!inline && !file) {
    throw new CodecConfigError(
      `payload encryption needs keys: set ${CODEC_KEYS_ENV}="<id>:<base64 32-byte key>" or ${CODEC_KEY_FILE_ENV}=<path>`,
    );
  }
  const keys = [...(inline ? parseCodecKeys(inline) : []), ...(file ? readCodecKeyFile(file) : [])];
  const source = inline && file ? `${CODEC_KEYS_ENV} + ${CODEC_KEY_FILE_ENV}` : inline ? CODEC_KEYS_ENV : `${CODEC_KEY_FILE_ENV} (${file})`;
  return new CodecKeyRing(keys, source);
}
