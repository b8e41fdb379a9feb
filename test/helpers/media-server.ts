/**
 * An HTTPS media host on loopback with a throwaway certificate, serving good and hostile
 * references: the worker downloads from it as it would from a real CDN.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { assetPath } from '../../src/internal/package-root';
import { MAX_REFERENCE_BYTES } from '../../src/contract/models';
import { mediaBytes } from './media';

export interface MediaServer {
  /** https://localhost:<port> */
  url: string;
  ca: string;
  close(): Promise<void>;
}

export async function startMediaServer(): Promise<MediaServer> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const png = readFileSync(assetPath('sample-reference.png'));
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const path = req.url ?? '/';
    const port = (server.address() as AddressInfo).port;
    switch (path) {
      case '/ref.png':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length }).end(png);
        return;
      case '/redirect-ok':
        res.writeHead(302, { Location: '/ref.png' }).end();
        return;
      case '/redirect-to-loopback-ip':
        res.writeHead(302, { Location: `https://127.0.0.1:${port}/ref.png` }).end();
        return;
      case '/redirect-to-metadata':
        res.writeHead(302, { Location: 'https://169.254.169.254/latest/meta-data/' }).end();
        return;
      case '/page.png':
        res.writeHead(200, { 'Content-Type': 'image/png' }).end('<!doctype html><html><body>not an image</body></html>');
        return;
      case '/huge.png': {
        // No Content-Length: the limit must hold while streaming.
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(mediaBytes('png', MAX_REFERENCE_BYTES + 1));
        return;
      }
      case '/slow.png': {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        const timer = setInterval(() => res.write(Buffer.alloc(16, 1)), 200);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/missing.png':
        res.writeHead(404).end();
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    ca: pems.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
