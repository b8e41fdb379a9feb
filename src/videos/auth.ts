/**
 * Callers' bearer keys: the endpoint's own keys, one per caller (a name) — never Rivya's key, which
 * stays with the worker. Configured as `name:key` entries (RIVYA_VIDEOS_KEYS, whitespace-separated,
 * or a file with one entry a line and `#` comments). Two keys may share a name during a rotation: a
 * caller's videos belong to its name, not to the key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Sora2ConfigError } from '../worker/config-error';

export const VIDEOS_KEYS_ENV = 'RIVYA_VIDEOS_KEYS';
export const VIDEOS_KEYS_FILE_ENV = 'RIVYA_VIDEOS_KEYS_FILE';
export const MIN_VIDEOS_KEY_CHARS = 16;
export const MAX_VIDEOS_KEY_CHARS = 256;
export const MAX_VIDEOS_KEYS = 1_000;
/** Rivya's key prefix (D1): such a key is refused as a caller key, so it is never handed to callers. */
const RIVYA_KEY_PREFIX = 'rvya_sk_';

export class VideosConfigError extends Sora2ConfigError {
  override readonly name = 'VideosConfigError';
}

export interface VideosCallerKey {
  /** Who the caller is: its videos are its name's (letters, digits, `._-`, at most 64). */
  name: string;
  key: string;
}

/** Checks the keys; messages name an entry's position or name, never a key. */
export function checkCallerKeys(keys: readonly VideosCallerKey[], rivyaApiKey?: string): VideosCallerKey[] {
  if (keys.length === 0)
    throw new VideosConfigError(`no caller keys: set ${VIDEOS_KEYS_ENV} or ${VIDEOS_KEYS_FILE_ENV} (name:key entries)`);
  if (keys.length > MAX_VIDEOS_KEYS) throw new VideosConfigError(`at most ${MAX_VIDEOS_KEYS} caller keys`);
  keys.forEach(({ name, key }, index) => {
    const which = `caller key #${index + 1}`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
      throw new VideosConfigError(`${which}: the name must be 1-64 letters, digits, ".", "_" or "-"`);
    if (key.length < MIN_VIDEOS_KEY_CHARS || key.length > MAX_VIDEOS_KEY_CHARS || !/^[\x21-\x7e]+$/.test(key))
      throw new VideosConfigError(
        `${which} (${name}): the key must be ${MIN_VIDEOS_KEY_CHARS}-${MAX_VIDEOS_KEY_CHARS} printable ASCII characters without spaces`,
      );
    if (key.startsWith(RIVYA_KEY_PREFIX) || (rivyaApiKey && key === rivyaApiKey))
      throw new VideosConfigError(
        `${which} (${name}): that is a Rivya API key; callers get keys of their own, the Rivya key stays with the worker`,
      );
  });
  return [...keys];
}

/** `name:key` entries separated by whitespace (or lines); `#` starts a comment in a file. */
export function parseCallerKeys(text: string, rivyaApiKey?: string): VideosCallerKey[] {
  const entries = text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new VideosConfigError(`caller key #${index + 1}: must be name:key`);
    return { name: entry.slice(0, colon), key: entry.slice(colon + 1) };
  });
  return checkCallerKeys(keys, rivyaApiKey);
}

/** The keys from a file (`--keys-file`, RIVYA_VIDEOS_KEYS_FILE) or RIVYA_VIDEOS_KEYS. */
export function callerKeysFromEnv(env: NodeJS.ProcessEnv, keysFile?: string): VideosCallerKey[] {
  const file = keysFile ?? env[VIDEOS_KEYS_FILE_ENV];
  let text: string;
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new VideosConfigError(`cannot read the caller keys file ${file.slice(0, 200)}`);
    }
  } else text = env[VIDEOS_KEYS_ENV] ?? '';
  return parseCallerKeys(text, env.RIVYA_API_KEY);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Finds the caller of an `Authorization: Bearer <key>` header; constant time per configured key. */
export function callerAuthenticator(keys: readonly VideosCallerKey[]): (authorization: string | undefined) => string | undefined {
  const digests = checkCallerKeys(keys).map(({ name, key }) => ({ name, digest: digest(key) }));
  return (authorization) => {
    if (!authorization || authorization.length > MAX_VIDEOS_KEY_CHARS + 16) return undefined;
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(authorization);
    if (!match) return undefined;
    const given = digest(match[1]!);
    let caller: string | undefined;
    for (const entry of digests) if (timingSafeEqual(entry.digest, given)) caller ??= entry.name;
    return caller;
  };
}
