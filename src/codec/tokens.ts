/**
 * The codec server's bearer tokens: who may have payloads decoded. Several may be active at once
 * (one per operator, or old and new during a rotation). Checked in constant time: the candidate and
 * every token are hashed to fixed-length digests and all of them are compared, so neither the
 * position of a first differing byte nor which token matched shows in the timing.
 *
 * Tokens are restricted to URL-safe characters because the Temporal UI can carry one only inside
 * the codec endpoint's URL (see server.ts). Messages name a token by position, never by value.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Sora2ConfigError } from '../worker/settings';

/** Tokens separated by commas, spaces or newlines. */
export const CODEC_SERVER_TOKENS_ENV = 'RIVYA_CODEC_SERVER_TOKENS';
/** A file with one token per line (`#` comments allowed). */
export const CODEC_SERVER_TOKEN_FILE_ENV = 'RIVYA_CODEC_SERVER_TOKEN_FILE';

/** 24 URL-safe characters carry about 144 bits: nothing guessable gets through. */
export const MIN_TOKEN_CHARS = 24;
export const MAX_TOKEN_CHARS = 256;
export const MAX_TOKENS = 64;
const MAX_TOKEN_FILE_BYTES = 64 * 1024;
const TOKEN = /^[A-Za-z0-9._~-]+$/;

export class CodecServerConfigError extends Sora2ConfigError {
  override readonly name = 'CodecServerConfigError';
}

/** A fresh random token (32 bytes, base64url: 43 characters). */
export function generateCodecServerToken(): string {
  return randomBytes(32).toString('base64url');
}

export function checkCodecServerTokens(tokens: readonly string[], source = 'codec server tokens'): string[] {
  if (tokens.length === 0) throw new CodecServerConfigError(`${source}: no token given; the codec server refuses to run open`);
  if (tokens.length > MAX_TOKENS) throw new CodecServerConfigError(`${source}: ${tokens.length} tokens given; at most ${MAX_TOKENS}`);
  tokens.forEach((token, index) => {
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      throw new CodecServerConfigError(
        `${source}: token #${index + 1} must be URL-safe characters only (letters, digits, '.', '_', '~', '-')`,
      );
    }
    if (token.length < MIN_TOKEN_CHARS || token.length > MAX_TOKEN_CHARS) {
      throw new CodecServerConfigError(
        `${source}: token #${index + 1} is ${token.length} characters; expected ${MIN_TOKEN_CHARS} to ${MAX_TOKEN_CHARS} (make one with \`openssl rand -base64 32 | tr '+/' '-_' | tr -d =\`)`,
      );
    }
  });
  return [...new Set(tokens)];
}

function splitTokens(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join(' ')
    .split(/[\s,]+/)
    .filter((token) => token.length > 0);
}

function readTokenFile(path: string): string[] {
  const source = `${CODEC_SERVER_TOKEN_FILE_ENV} (${path})`;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new CodecServerConfigError(`${source} is not a file`);
    if (stats.size > MAX_TOKEN_FILE_BYTES) throw new CodecServerConfigError(`${source} is larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
    return splitTokens(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err instanceof CodecServerConfigError) throw err;
    throw new CodecServerConfigError(`${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The tokens of RIVYA_CODEC_SERVER_TOKENS plus those of RIVYA_CODEC_SERVER_TOKEN_FILE; none is an error. */
export function readCodecServerTokens(env: Record<string, string | undefined> = process.env): string[] {
  const inline = env[CODEC_SERVER_TOKENS_ENV]?.trim();
  const file = env[CODEC_SERVER_TOKEN_FILE_ENV]?.trim();
  if (!inline && !file) {
    throw new CodecServerConfigError(
      `the codec server needs bearer tokens: set ${CODEC_SERVER_TOKENS_ENV} (or ${CODEC_SERVER_TOKEN_FILE_ENV}); make one with \`openssl rand -base64 32 | tr '+/' '-_' | tr -d =\``,
    );
  }
  const tokens = [...(inline ? splitTokens(inline) : []), ...(file ? readTokenFile(file) : [])];
  return checkCodecServerTokens(
    tokens,
    inline && file
      ? `${CODEC_SERVER_TOKENS_ENV} + ${CODEC_SERVER_TOKEN_FILE_ENV}`
      : inline
        ? CODEC_SERVER_TOKENS_ENV
        : CODEC_SERVER_TOKEN_FILE_ENV,
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Holds only the tokens' digests; `matches` compares against every one of them. */
export class CodecServerTokens {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = checkCodecServerTokens(tokens).map(digest);
  }

  get size(): number {
    return this.#digests.length;
  }

  matches(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate.length > MAX_TOKEN_CHARS) return false;
    const candidateDigest = digest(candidate);
    let matched = false;
    // No early exit: every digest is compared whatever the outcome.
    for (const known of this.#digests) matched = timingSafeEqual(candidateDigest, known) || matched;
    return matched;
  }
}
