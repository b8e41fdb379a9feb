/**
 * Encryption in the local run (`rivya-sora2 dev --encrypt`): a key ring, a codec server token and
 * the codec endpoint the dev server's UI is started with.
 *
 * Keys: RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE when set, else a key made once in the run's own
 * directory (`.rivya-dev/codec-keys`, mode 0600) — the same key every run, so a dev server kept in
 * `--db-file` still decodes yesterday's histories, and the CLI reads it with
 * RIVYA_CODEC_KEY_FILE=.rivya-dev/codec-keys.
 *
 * Trust model: one user on one machine. The UI reaches the codec server with the token in the
 * endpoint's path (the only place UI 2.42 can carry a token to an http endpoint):
 * `http://127.0.0.1:<port>/<token>`, and the UI hands that endpoint to the browser through its
 * settings API (`/api/v1/settings`), which — like the whole dev UI — has no login and answers any
 * Host. So every local user and process that can reach the UI's loopback port can read the token
 * and have payloads decoded, as they can read the histories in the UI itself. The token does not
 * keep other local users out. What does keep web pages out is the codec server's origin check
 * (only the UI's own origins), whatever a page may learn. The endpoint reaches the dev server
 * through an owner-only file rather than its command line (temporal-cli/flag-file.ts), so it is
 * not also in `ps`. On a machine shared with people who must not see the payloads, do not use
 * `dev --encrypt`: run the codec server behind TLS and the UI behind a login (docs/operating.md "Encrypted
 * payloads and the codec server").
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { freePort, portIsFree } from '../internal/net/ports';
import { join } from 'node:path';
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { CODEC_KEY_FILE_ENV, CODEC_KEYS_ENV, CodecKeyRing, codecKeysConfigured, readCodecKeyFile, readCodecKeyRing } from './keys';
import { startCodecServer, type RunningCodecServer } from './server';
import { CODEC_SERVER_TOKEN_FILE_ENV, CODEC_SERVER_TOKENS_ENV, generateCodecServerToken, readCodecServerTokens } from './tokens';

export const DEV_CODEC_KEY_FILE = 'codec-keys';

export interface DevEncryption {
  keyRing: CodecKeyRing;
  /** Where the keys came from, for the terminal (variable names or the file's path). */
  keySource: string;
  /** Set when the keys are the run's own file: the variable a CLI in another terminal needs. */
  keyFile?: string;
  /** The token the UI endpoint carries; `generated` when made for this run (then printed once). */
  token: string;
  tokenGenerated: boolean;
  /** Port reserved for the codec server (free when checked; the server binds it after the dev server starts). */
  port: number;
  /** What the dev server's UI is started with (`--ui-codec-endpoint`, through a private file). Holds the token. */
  uiEndpoint: string;
}

/** The run's own key file: made once (exclusive create, owner-only), then reused. */
function ensureDevKeyFile(devDirectory: string): string {
  const path = join(devDirectory, DEV_CODEC_KEY_FILE);
  if (!existsSync(path)) {
    const id = `dev-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    const content = `# rivya-sora2 dev: payload encryption keys (id:base64). The first one encrypts. Local use only.\n${id}:${randomBytes(32).toString('base64')}\n`;
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  }
  return path;
}

export async function prepareDevEncryption(
  devDirectory: string,
  wantedPort: number,
  env: Record<string, string | undefined> = process.env,
): Promise<DevEncryption> {
  let keyRing: CodecKeyRing;
  let keySource: string;
  let keyFile: string | undefined;
  if (codecKeysConfigured(env)) {
    keyRing = readCodecKeyRing(env);
    keySource = [env[CODEC_KEYS_ENV]?.trim() ? CODEC_KEYS_ENV : '', env[CODEC_KEY_FILE_ENV]?.trim() ? CODEC_KEY_FILE_ENV : '']
      .filter(Boolean)
      .join(' + ');
  } else {
    keyFile = ensureDevKeyFile(devDirectory);
    keyRing = new CodecKeyRing(readCodecKeyFile(keyFile), keyFile);
    keySource = keyFile;
  }
  const configuredTokens = env[CODEC_SERVER_TOKENS_ENV]?.trim() || env[CODEC_SERVER_TOKEN_FILE_ENV]?.trim();
  // A configured token list is never empty (readCodecServerTokens refuses that).
  const token = configuredTokens ? readCodecServerTokens(env)[0]! : generateCodecServerToken();
  const port = wantedPort > 0 && (await portIsFree(wantedPort)) ? wantedPort : await freePort();
  return {
    keyRing,
    keySource,
    keyFile,
    token,
    tokenGenerated: !configuredTokens,
    port,
    uiEndpoint: `http://127.0.0.1:${port}/${token}`,
  };
}

/** The UI origins the codec server lets in: the dev UI under both of its loopback names. */
export function devUiOrigins(uiPort: number): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

/** Starts the codec server on the reserved port, for the given UI origins. */
export async function startDevCodecServer(encryption: DevEncryption, allowedOrigins: readonly string[]): Promise<RunningCodecServer> {
  return startCodecServer({
    codec: new AesGcmPayloadCodec(encryption.keyRing),
    tokens: [encryption.token],
    allowedOrigins,
    port: encryption.port,
    host: '127.0.0.1',
  });
}
