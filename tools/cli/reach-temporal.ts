/**
 * The CLI's connection to Temporal with a bounded connect time and the library's readable failures
 * (src/worker/temporal-address.ts): a malformed address is a usage error (exit 2), an unreachable
 * server is named by its address, not reported as a transport dump.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from './envconfig';
import { codecKeysConfigured } from '../../src/codec';
import { Sora2Plugin } from '../../src/worker/plugin';
import { printable } from './printable';
import { Sora2TemporalAddressError, Sora2TemporalUnreachableError, temporalAddressProblem } from '../../src/worker/temporal-address';

/** How long the CLI waits for the Temporal server before saying it cannot reach it. */
export const CONNECT_TIMEOUT_MS = 5_000;

export async function connectTemporal(): Promise<{ client: Client; close(): Promise<void> }> {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  // With the workers' keys (RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE) inputs are encrypted and results read;
  // a key problem is told before connecting.
  const plugins = codecKeysConfigured() ? [new Sora2Plugin({ encryption: true })] : [];
  const problem = temporalAddressProblem(address);
  if (problem) throw new Sora2TemporalAddressError(`${problem}: set TEMPORAL_ADDRESS`);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (err) {
    throw new Sora2TemporalUnreachableError(printable(address), err, CONNECT_TIMEOUT_MS);
  }
  const client = new Client({ connection, namespace: config.namespace ?? 'default', plugins });
  return { client, close: () => connection.close() };
}
