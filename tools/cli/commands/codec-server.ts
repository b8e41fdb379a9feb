/**
 * `rivya-sora2 codec-server`: the remote codec for the Temporal UI and CLI, so operators holding a
 * token see decrypted payloads. Keys from RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE (the workers'
 * keys), tokens from RIVYA_CODEC_SERVER_TOKENS / RIVYA_CODEC_SERVER_TOKEN_FILE, browser origins
 * from --origin or RIVYA_CODEC_SERVER_ORIGINS. Plain HTTP on 127.0.0.1 by default: put TLS in front
 * of anything else. Neither keys nor tokens are ever printed, not even in a config error.
 *
 * Exit codes, as the other commands: 2 for configuration the caller must fix, 1 for anything else.
 */
import type { Command } from 'commander';
import { parsePort } from '../../../src/internal/net/ports';
import {
  AesGcmPayloadCodec,
  CODEC_SERVER_ORIGINS_ENV,
  CodecServerConfigError,
  DEFAULT_CODEC_MAX_BODY_BYTES,
  DEFAULT_CODEC_SERVER_HOST,
  DEFAULT_CODEC_SERVER_PORT,
  parseOrigins,
  readCodecKeyRing,
  readCodecServerTokens,
  startCodecServer,
} from '../../../src/codec';
import { printable } from '../printable';
import { untilStopSignal } from '../stop-signal';

export interface CodecServerCommandOptions {
  port: string;
  host: string;
  origin?: string[];
  maxBodyBytes: string;
}

/** Largest body the option accepts: 64 MiB (a UI request carries one event's payloads). */
const MAX_BODY_LIMIT = 64 * 1024 * 1024;

export function registerCodecServer(program: Command): void {
  program
    .command('codec-server')
    .description(
      'serve the payload codec to the Temporal UI and CLI (POST …/decode, …/encode) for holders of a bearer token; ' +
        'keys from RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE, tokens from RIVYA_CODEC_SERVER_TOKENS / RIVYA_CODEC_SERVER_TOKEN_FILE',
    )
    .option('--port <port>', 'port to listen on', process.env.RIVYA_CODEC_SERVER_PORT ?? String(DEFAULT_CODEC_SERVER_PORT))
    .option('--host <host>', 'address to bind', process.env.RIVYA_CODEC_SERVER_HOST ?? DEFAULT_CODEC_SERVER_HOST)
    .option(
      '--origin <origin...>',
      `browser origin allowed to call (the Temporal UI's, e.g. https://temporal.example.com); default ${CODEC_SERVER_ORIGINS_ENV}`,
    )
    .option('--max-body-bytes <bytes>', 'largest request body', String(DEFAULT_CODEC_MAX_BODY_BYTES))
    // A key or token mistake (CodecConfigError, CodecServerConfigError) reaches main: exit 2. Its
    // message names the variable, the file or the key id: never a key or a token.
    .action((options: CodecServerCommandOptions) => runCodecServerProcess(options));
}

/** Runs until SIGINT/SIGTERM. Everything the caller must fix is checked before the socket opens. */
export async function runCodecServerProcess(options: CodecServerCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const port = parsePort(options.port);
  if (port === undefined) throw new CodecServerConfigError('--port must be a port number (0–65535)');
  const maxBodyBytes = Number(options.maxBodyBytes);
  if (!/^\d+$/.test(options.maxBodyBytes) || maxBodyBytes < 1024 || maxBodyBytes > MAX_BODY_LIMIT) {
    throw new CodecServerConfigError(`--max-body-bytes must be a whole number from 1024 to ${MAX_BODY_LIMIT}`);
  }
  const keyRing = readCodecKeyRing(env);
  const tokens = readCodecServerTokens(env);
  const allowedOrigins = options.origin?.length
    ? parseOrigins(options.origin.join(' '), '--origin')
    : parseOrigins(env[CODEC_SERVER_ORIGINS_ENV], CODEC_SERVER_ORIGINS_ENV);

  const server = await startCodecServer({
    codec: new AesGcmPayloadCodec(keyRing),
    tokens,
    allowedOrigins,
    port,
    host: options.host,
    maxBodyBytes,
  });
  console.log(
    `rivya-sora2 codec server on ${printable(server.url)} (keys ${keyRing.keyIds.join(', ')}, encrypting with ${keyRing.encryptingKeyId}; ` +
      `${tokens.length} token${tokens.length === 1 ? '' : 's'}; ` +
      `browser origins: ${allowedOrigins.length ? allowedOrigins.map(printable).join(', ') : `none (set --origin or ${CODEC_SERVER_ORIGINS_ENV} for the Temporal UI)`})`,
  );
  console.log(
    `  Temporal UI: codec endpoint ${printable(server.url)}/<token>   CLI: --codec-endpoint ${printable(server.url)} --codec-auth "Bearer <token>"`,
  );

  await untilStopSignal();
  await server.close();
  const counts = Object.entries(server.stats())
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  console.log(`rivya-sora2 codec server stopped${counts ? ` (answers by status: ${counts})` : ''}`);
}
