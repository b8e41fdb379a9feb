/** A Temporal client from the ecosystem's environment convention (@temporalio/envconfig). */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

export async function connectClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const config = loadClientConnectConfig();
  const connection = await Connection.connect(config.connectionOptions);
  const client = new Client({ connection, namespace: config.namespace ?? 'default' });
  return { client, close: () => connection.close() };
}
