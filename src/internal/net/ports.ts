/**
 * TCP ports: whether one is free, a free one picked by the kernel, and a port given as text (flags
 * and environment variables). One place for what the dev run, the codec server, the webhook
 * receiver, the metrics endpoint and the test servers each did by hand.
 */
import { createServer, type AddressInfo } from 'node:net';

/** Whether `port` can be bound on `host` right now. */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port free on `host` right now, chosen by the kernel (free when returned, not reserved). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port number written as text: digits only, `min` (0 = "pick a free one") to 65535; else undefined. */
export function parsePort(text: string, min: 0 | 1 = 0): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= min && port <= 65_535 ? port : undefined;
}
