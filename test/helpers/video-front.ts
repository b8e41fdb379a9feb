/**
 * A front for the Rivya simulator that owns the result videos: API requests pass through to the
 * simulator, with the simulator's media URLs in JSON answers rewritten to the front, so the worker
 * downloads each video from here. A test decides how each download goes (slow, cut mid-body,
 * redirected) and counts them; anything not told is proxied to the simulator's own media.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VideoDownload {
  /** 1 for the first request of any video, 2 for the second... */
  number: number;
  taskId: string;
  req: IncomingMessage;
  res: ServerResponse;
  /** Adds to the front's count of body bytes sent. */
  sent(bytes: number): void;
}

/** Serves one video request, or returns false to let the simulator serve it. */
export type ServeVideo = (download: VideoDownload) => boolean | Promise<boolean>;

export interface VideoFront {
  /** The base URL the worker uses as RIVYA_BASE_URL. */
  url: string;
  /** Video requests seen so far. */
  downloads(): number;
  /** Video body bytes the test's handler reported sent. */
  bytesSent(): number;
  close(): Promise<void>;
}

function proxy(simulatorUrl: string, frontUrl: () => string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '/', simulatorUrl);
  const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      let body = Buffer.concat(chunks);
      if (String(answer.headers['content-type'] ?? '').includes('json')) {
        body = Buffer.from(body.toString('utf8').split(`${simulatorUrl}/media/`).join(`${frontUrl()}/media/`));
      }
      const headers = { ...answer.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      res.writeHead(answer.statusCode ?? 502, headers).end(body);
    });
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

export async function startVideoFront(simulatorUrl: string, serveVideo: ServeVideo = () => false): Promise<VideoFront> {
  let downloads = 0;
  let bytesSent = 0;
  let url = '';
  const server: Server = createServer((req, res) => {
    const video = /^\/media\/videos\/([^/]+)\.mp4$/.exec(new URL(req.url ?? '/', 'http://front').pathname);
    if (!video) return proxy(simulatorUrl, () => url, req, res);
    downloads += 1;
    const download = { number: downloads, taskId: video[1]!, req, res, sent: (bytes: number) => (bytesSent += bytes) };
    Promise.resolve(serveVideo(download)).then(
      (served) => {
        if (!served) proxy(simulatorUrl, () => url, req, res);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    downloads: () => downloads,
    bytesSent: () => bytesSent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `bytes` in chunks of `chunk`, pausing `pauseMs` between them; stops (destroying the socket) after `cutAfter` bytes if given. */
export async function writeSlowly(
  download: VideoDownload,
  bytes: Buffer,
  options: { chunk: number; pauseMs: number; cutAfter?: number },
): Promise<void> {
  const { res } = download;
  res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': bytes.length });
  for (let offset = 0; offset < bytes.length; offset += options.chunk) {
    if (res.destroyed) return;
    if (options.cutAfter !== undefined && offset >= options.cutAfter) {
      res.socket?.destroy();
      return;
    }
    const piece = bytes.subarray(offset, offset + options.chunk);
    download.sent(piece.length);
    if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
    if (options.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  res.end();
}
