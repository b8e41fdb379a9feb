/**
 * The CLI's connection to Temporal with a bounded connect time and a readable failure: an
 * unreachable server is named by its address, not reported as a transport dump.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from './envconfig';
import { codecKeysConfigured } from '../../src/codec';
import { Sora2Plugin } from '../../src/worker/plugin';
import { printable } from './printable';

/** How long the CLI waits for the Temporal server before saying it cannot reach it. */
export const CONNECT_TIMEOUT_MS = 5_000;

export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `cannot reach the Temporal server at ${printable(address)} within ${CONNECT_TIMEOUT_MS / 1000}s ` +
        '(is it running? set TEMPORAL_ADDRESS, or start one with `rivya-sora2 dev`)',
      { cause },
    );
  }
}

export async function connectTemporal(): Promise<{ client: Client; close(): Promise<void> }> {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  // With the workers' keys (RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE) inputs are encrypted and results read;
  // a key problem is told before connecting.
  const plugins = codecKeysConfigured() ? [new Sora2Plugin({ encryption: true })] : [];
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw new TemporalUnreachableError(address, err);
  }
  const client = new Client({ connection, namespace: config.namespace ?? 'default', plugins });
  return { client, close: () => connection.close() };
}
