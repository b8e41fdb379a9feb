/** A Temporal client from the ecosystem's environment convention (@temporalio/envconfig). */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from './envconfig';
import { codecKeysConfigured } from '../../src/codec';
import { Sora2Plugin } from '../../src/worker/plugin';

export async function connectClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const config = loadClientConnectConfig();
  const connection = await Connection.connect(config.connectionOptions);
  // With the workers' keys (RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE) inputs are encrypted and results read.
  const plugins = codecKeysConfigured() ? [new Sora2Plugin({ encryption: true })] : [];
  const client = new Client({ connection, namespace: config.namespace ?? 'default', plugins });
  return { client, close: () => connection.close() };
}

/**
 * A client that connects on first use, for long-running servers (webhook receiver, videos
 * endpoint) that must come up and answer while Temporal is still down.
 */
export function lazyClient(env: NodeJS.ProcessEnv = process.env): {
  client: Client;
  connection: Connection;
  address: string;
  namespace: string;
} {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  const namespace = config.namespace ?? 'default';
  // With the workers' keys (RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE) payloads are encrypted like every other.
  const plugins = codecKeysConfigured(env) ? [new Sora2Plugin({ encryption: true, env })] : [];
  const connection = Connection.lazy(config.connectionOptions);
  const client = new Client({ connection, namespace, plugins });
  return { client, connection, address, namespace };
}
