/**
 * Hardening of the Rivya client and the reference download against hostile or broken upstreams,
 * over real loopback sockets: redirects are never followed (the key goes nowhere else), answers
 * are capped by decoded size, permanent failures (bad TLS, unknown host, bad URL) are not retried
 * while a slow host is, and no form of the API key survives into an error or a Temporal failure.
 *
 * Written against the client's public behaviour (`retryable`, `code`, `name`, the failure's type and
 * `nonRetryable`) so the same file runs against the code before these fixes and shows what failed.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { generate } from 'selfsigned';
import { makeGenerationActivities } from '../../activities/generation';
import { downloadReference } from '../../activities/reference/download';
import type { ReferenceUrlPolicy } from '../../activities/reference/url-guard';
import { toActivityFailure } from '../../activities/rivya-failure';
import { assetPath } from '../../src/internal/package-root';
import { RivyaClient, RivyaNetworkError, type CreateGenerationRequest } from '../../src/rivya';
import type { CreateGenerationInput } from '../../workflows/common/activity-contract';
import { REFERENCE_DOWNLOAD_FAILED, REFERENCE_REJECTED } from '../../workflows/common/failures';

const KEY = 'rvya_sk_hardening_Secret_0123456789abcdef';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** Every form of the key that must never be stored: verbatim, base64, base64 of the header (padded or not). */
const KEY_FORMS = [KEY, b64(KEY), b64(`Bearer ${KEY}`), b64(KEY).replace(/=+$/, ''), b64(`Bearer ${KEY}`).replace(/=+$/, '')];

const TASK = {
  id: 'task_hardening',
  status: 'queued',
  model: 'sora-2',
  reserved_credits: 6,
  final_credits: 0,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
};
const CREATE: CreateGenerationRequest = { model: 'sora-2', prompt: 'a paper boat', params: { n_frames: '10' } };

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
}

interface Loopback {
  url: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, self: Loopback) => void;

async function listen(server: HttpServer, scheme: 'http' | 'https', host: string, requests: Recorded[]): Promise<Loopback> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://${host}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function record(req: IncomingMessage, requests: Recorded[]): void {
  requests.push({
    method: req.method ?? '',
    url: req.url ?? '',
    authorization: req.headers.authorization,
    idempotencyKey: req.headers['idempotency-key'] as string | undefined,
  });
}

async function startHttp(handler: Handler): Promise<Loopback> {
  const requests: Recorded[] = [];
  // Assigned once the server listens; the handler closure reads it per request (hence not const).
  // eslint-disable-next-line prefer-const
  let self: Loopback;
  const server = createHttpServer((req, res) => {
    record(req, requests);
    handler(req, res, self);
  });
  self = await listen(server, 'http', '127.0.0.1', requests);
  return self;
}

type Pems = Awaited<ReturnType<typeof generate>>;

async function certificate(options: { dnsName?: string; expired?: boolean } = {}): Promise<Pems> {
  const dnsName = options.dnsName ?? 'localhost';
  const day = 24 * 60 * 60 * 1000;
  return generate([{ name: 'commonName', value: dnsName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: dnsName }] }],
    ...(options.expired ? { notBeforeDate: new Date(Date.now() - 400 * day), notAfterDate: new Date(Date.now() - 30 * day) } : {}),
  });
}

async function startHttps(pems: Pems, handler: Handler): Promise<Loopback> {
  const requests: Recorded[] = [];
  // Assigned once the server listens; the handler closure reads it per request (hence not const).
  // eslint-disable-next-line prefer-const
  let self: Loopback;
  const server = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    record(req, requests);
    handler(req, res, self);
  });
  self = await listen(server as unknown as HttpServer, 'https', 'localhost', requests);
  return self;
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** Everything an error could carry into history or a log: message, stack, enumerable fields, details. */
function everything(err: Error): string {
  const failure = toActivityFailure(err);
  const parts = [err.message, err.stack, JSON.stringify(err), String(err)];
  if (failure instanceof ApplicationFailure) {
    parts.push(failure.type ?? '', failure.message, failure.stack ?? '', JSON.stringify(failure), JSON.stringify(failure.details ?? []));
  }
  return parts.join('\n');
}

function expectNoKey(text: string): void {
  for (const form of KEY_FORMS) expect(text).not.toContain(form);
}

const servers: Loopback[] = [];
async function track(server: Promise<Loopback>): Promise<Loopback> {
  const started = await server;
  servers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const clientFor = (baseUrl: string, extra: Record<string, unknown> = {}) =>
  new RivyaClient({ apiKey: KEY, baseUrl, timeoutMs: 10_000, ...extra } as ConstructorParameters<typeof RivyaClient>[0]);

describe('1. redirects are never followed: the key and the paid POST stay with Rivya', () => {
  test.each<[number, 'createGeneration' | 'getCredits']>([
    [307, 'createGeneration'],
    [308, 'createGeneration'],
    [302, 'getCredits'],
    [301, 'getCredits'],
    [302, 'createGeneration'],
  ])('a %d on %s to another loopback port reaches nothing there and is a typed non-retryable error', async (status, call) => {
    // The other origin answers whatever would make the call succeed, and records who came.
    const elsewhere = await track(
      startHttp((req, res) => {
        const body = req.url?.includes('credits') ? { current_credits: 5 } : TASK;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      }),
    );
    const rivya = await track(
      startHttp((req, res) => {
        res.writeHead(status, { Location: `${elsewhere.url}${req.url}?leak=${KEY}` }).end();
      }),
    );
    const client = clientFor(rivya.url);
    const err = await caught(
      call === 'createGeneration' ? client.createGeneration(CREATE, { idempotencyKey: 'wf-redirect' }) : client.getCredits(),
    );
    expect(elsewhere.requests).toEqual([]); // no Authorization, no POST, no Idempotency-Key went there
    expect(rivya.requests).toHaveLength(1); // and it was not retried by the client either
    expect(err).toMatchObject({ name: 'RivyaUnexpectedRedirectError', code: 'unexpected_redirect', retryable: false, status });
    const failure = toActivityFailure(err) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'rivya:unexpected_redirect', nonRetryable: true });
    expectNoKey(everything(err)); // the Location carried the key in its query: not kept
  });

  test('through the paid-create activity, the redirect is a non-retryable ApplicationFailure', async () => {
    const elsewhere = await track(
      startHttp((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(TASK))),
    );
    const rivya = await track(startHttp((req, res) => res.writeHead(307, { Location: `${elsewhere.url}${req.url}` }).end()));
    const { rivyaCreateGeneration } = makeGenerationActivities(clientFor(rivya.url));
    const env = new MockActivityEnvironment();
    const input: CreateGenerationInput = {
      model: 'sora-2',
      prompt: 'p',
      params: { n_frames: '10' },
      idempotencyKey: 'wf-activity-redirect',
    };
    const err = await caught(env.run(rivyaCreateGeneration, input));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'rivya:unexpected_redirect', nonRetryable: true });
    expect(elsewhere.requests).toEqual([]);
  });
});

/** A gzip stream of `{"current_credits":1,"pad":"<decodedBytes spaces>"}`, compressed chunk by chunk. */
async function gzipBomb(decodedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 6 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  const write = (chunk: Buffer | string) => new Promise<void>((resolve) => (gzip.write(chunk) ? resolve() : gzip.once('drain', resolve)));
  await write('{"current_credits":1,"pad":"');
  const block = Buffer.alloc(1024 * 1024, 0x20);
  for (let written = 0; written < decodedBytes; written += block.length) await write(block);
  gzip.end('"}');
  await done;
  return Buffer.concat(out);
}

describe('2. answers are capped by decoded size', () => {
  test('a gzip bomb (128 MiB of JSON in ~130 KB) is refused at the cap, without the memory', async () => {
    const DECODED = 128 * 1024 * 1024;
    const bomb = await gzipBomb(DECODED);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const rivya = await track(
      startHttp((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': bomb.length }).end(bomb);
      }),
    );
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    let err: Error;
    try {
      err = await caught(clientFor(rivya.url).getCredits());
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(err).toMatchObject({ name: 'RivyaResponseTooLargeError', code: 'response_too_large', retryable: false });
    expect(toActivityFailure(err)).toMatchObject({ type: 'rivya:response_too_large', nonRetryable: true });
    // The old client held the whole decoded answer (and its string copy): at least DECODED bytes.
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  });

  test('a plain oversized answer without a length is cut at the cap: the server cannot push it all', async () => {
    const TOTAL = 64 * 1024 * 1024;
    let sent = 0;
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const rivya = await track(
      startHttp((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const block = Buffer.alloc(64 * 1024, 0x20);
        let stopped = false;
        res.on('close', () => {
          stopped = true;
          closed();
        });
        const pump = () => {
          if (sent === 0) {
            res.write('{"current_credits":1,"pad":"');
          }
          while (!stopped && sent < TOTAL) {
            sent += block.length;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          if (!stopped) res.end('"}');
        };
        pump();
      }),
    );
    const err = await caught(clientFor(rivya.url).getCredits());
    expect(err).toMatchObject({ name: 'RivyaResponseTooLargeError', code: 'response_too_large', retryable: false });
    await connectionClosed; // the client dropped the connection instead of draining it
    // The cap is 1 MiB; loopback socket buffers hold a few MB more. The old client read all 64 MiB.
    expect(sent).toBeLessThan(24 * 1024 * 1024);
  });

  test('the cap is configurable: maxResponseBytes 1024 refuses a 4 KB answer (declared length)', async () => {
    const body = JSON.stringify({ current_credits: 1, pad: ' '.repeat(4096) });
    const rivya = await track(
      startHttp((_req, res) =>
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body),
      ),
    );
    const err = await caught(clientFor(rivya.url, { maxResponseBytes: 1024 }).getCredits());
    expect(err).toMatchObject({ name: 'RivyaResponseTooLargeError', retryable: false, limitBytes: 1024 });
    // Under the default cap the same answer is fine.
    await expect(clientFor(rivya.url).getCredits()).resolves.toEqual({ current_credits: 1 });
  });

  test('a huge error page is cut, not refused: a 503 stays a retryable API error', async () => {
    const rivya = await track(
      startHttp((_req, res) => res.writeHead(503, { 'Content-Type': 'text/html' }).end(Buffer.alloc(8 * 1024 * 1024, 0x41))),
    );
    const err = await caught(clientFor(rivya.url).getCredits());
    expect(err).toMatchObject({ name: 'RivyaApiError', status: 503, retryable: true });
    expect(err.message.length).toBeLessThan(10_000);
  });
});

/** What the resolver says about a name under the reserved .invalid TLD (RFC 6761). */
async function resolutionCode(host: string): Promise<string | undefined> {
  try {
    await lookup(host);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('3. permanent failures are not retried; a slow host is', () => {
  test('the Rivya client: a self-signed certificate is a non-retryable error, and a non-retryable failure', async () => {
    const rivya = await track(startHttps(await certificate(), (_req, res) => res.writeHead(200).end('{"current_credits":1}')));
    const err = await caught(clientFor(rivya.url).getCredits());
    expect(err).toMatchObject({ name: 'RivyaNetworkError', causeCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', retryable: false });
    expect(toActivityFailure(err)).toMatchObject({ type: 'rivya:tls_certificate_invalid', nonRetryable: true });
    expectNoKey(everything(err));
  });

  test('the Rivya client: a host name that does not exist (.invalid) is non-retryable; EAI_AGAIN would be retried', async () => {
    const host = 'rivya-hardening-test.invalid';
    const code = await resolutionCode(host);
    const err = await caught(clientFor(`http://${host}`).getCredits());
    expect(err).toMatchObject({ name: 'RivyaNetworkError', causeCode: code });
    // ENOTFOUND (NXDOMAIN) is permanent; a resolver that cannot answer (EAI_AGAIN) is transient.
    expect(code === 'ENOTFOUND' || code === 'EAI_AGAIN').toBe(true);
    expect((err as unknown as { retryable: boolean }).retryable).toBe(code !== 'ENOTFOUND');
    expect((toActivityFailure(err) as ApplicationFailure).nonRetryable).toBe(code === 'ENOTFOUND');
    if (code === 'ENOTFOUND') expect(toActivityFailure(err)).toMatchObject({ type: 'rivya:host_not_found' });
  });

  test.each(['EAI_AGAIN', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', undefined])('a %s socket error stays retryable', (code) => {
    expect(new RivyaNetworkError('x', code).retryable).toBe(true);
  });

  test.each([
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'ENOTFOUND',
  ])('a %s socket error is not retryable', (code) => {
    expect(new RivyaNetworkError('x', code).retryable).toBe(false);
    expect(toActivityFailure(new RivyaNetworkError('x', code))).toMatchObject({ nonRetryable: true });
  });

  const png = readFileSync(assetPath('sample-reference.png'));
  /** A media host that serves the sample PNG on every path, or trickles forever on /slow*. */
  const mediaHandler: Handler = (req, res) => {
    if (req.url?.startsWith('/slow')) {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      const timer = setInterval(() => res.write(Buffer.alloc(16, 1)), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length }).end(png);
  };

  async function downloadFailure(url: string, policy: ReferenceUrlPolicy): Promise<ApplicationFailure> {
    const err = await caught(downloadReference(url, policy, new AbortController().signal));
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }

  test('reference download: a self-signed certificate (no trusted CA) is ReferenceRejected', async () => {
    const media = await track(startHttps(await certificate(), mediaHandler));
    const failure = await downloadFailure(`${media.url}/ref.png`, { allowedHosts: ['localhost'] });
    expect(failure).toMatchObject({ type: REFERENCE_REJECTED, nonRetryable: true });
    expect(failure.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  test('reference download: an expired certificate is ReferenceRejected', async () => {
    const pems = await certificate({ expired: true });
    const media = await track(startHttps(pems, mediaHandler));
    const failure = await downloadFailure(`${media.url}/ref.png`, { allowedHosts: ['localhost'], ca: pems.cert });
    expect(failure).toMatchObject({ type: REFERENCE_REJECTED, nonRetryable: true });
    expect(failure.message).toContain('CERT_HAS_EXPIRED');
  });

  test('reference download: a certificate for another host name is ReferenceRejected', async () => {
    const pems = await certificate({ dnsName: 'media.other.test' });
    const media = await track(startHttps(pems, mediaHandler));
    const failure = await downloadFailure(`${media.url}/ref.png`, { allowedHosts: ['localhost'], ca: pems.cert });
    expect(failure).toMatchObject({ type: REFERENCE_REJECTED, nonRetryable: true });
    expect(failure.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('reference download: a host name that does not exist (.invalid) is ReferenceRejected', async () => {
    const host = 'media-hardening-test.invalid';
    const code = await resolutionCode(host);
    const failure = await downloadFailure(`https://${host}/ref.png`, {});
    if (code === 'ENOTFOUND') expect(failure).toMatchObject({ type: REFERENCE_REJECTED, nonRetryable: true });
    else expect(failure).toMatchObject({ type: REFERENCE_DOWNLOAD_FAILED, nonRetryable: false }); // EAI_AGAIN: transient
    expect(code === 'ENOTFOUND' || code === 'EAI_AGAIN').toBe(true);
  });

  test('reference download: a malformed percent-escape in the path is ReferenceRejected, before any download', async () => {
    const pems = await certificate();
    const media = await track(startHttps(pems, mediaHandler));
    const failure = await downloadFailure(`${media.url}/%E0%A4%A.png`, { allowedHosts: ['localhost'], ca: pems.cert });
    expect(failure).toMatchObject({ type: REFERENCE_REJECTED, nonRetryable: true });
    expect(media.requests).toEqual([]);
  });

  test('reference download: a redirect to a path with a malformed percent-escape is ReferenceRejected', async () => {
    const pems = await certificate();
    const media = await track(
      startHttps(pems, (req, res, self) => {
        if (req.url === '/start.png') return void res.writeHead(302, { Location: '/%E0%A4%A.png' }).end();
        mediaHandler(req, res, self);
      }),
    );
    const failure = await downloadFailure(`${media.url}/start.png`, { allowedHosts: ['localhost'], ca: pems.cert });
    expect(failure).toMatchObject({ type: REFERENCE_REJECTED, nonRetryable: true });
  });

  test('reference download: a good URL still downloads (the guard options and CA work as before)', async () => {
    const pems = await certificate();
    const media = await track(startHttps(pems, mediaHandler));
    const downloaded = await downloadReference(
      `${media.url}/caf%C3%A9.png`,
      { allowedHosts: ['localhost'], ca: pems.cert },
      new AbortController().signal,
    );
    try {
      expect(downloaded.name).toBe('café.png');
      expect(readFileSync(downloaded.path).equals(png)).toBe(true);
    } finally {
      await downloaded.dispose();
    }
  });

  test('reference download: a slow host (download timeout) is ReferenceDownloadFailed, retried by the policy', async () => {
    const pems = await certificate();
    const media = await track(startHttps(pems, mediaHandler));
    const started = Date.now();
    const failure = await downloadFailure(`${media.url}/slow.png`, { allowedHosts: ['localhost'], ca: pems.cert, timeoutMs: 500 });
    expect(failure).toMatchObject({ type: REFERENCE_DOWNLOAD_FAILED, nonRetryable: false });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('4. no form of the key survives from upstream text into an error or a failure', () => {
  test('a 400 whose code, message and request id echo the key (verbatim and base64)', async () => {
    const rivya = await track(
      startHttp((_req, res) => {
        res.writeHead(400, { 'Content-Type': 'application/json', 'X-Request-Id': KEY }).end(
          JSON.stringify({
            error: { code: KEY, message: `bad key ${b64(KEY)}; header was ${b64(`Bearer ${KEY}`)} (${KEY.toUpperCase()})`, requestId: KEY },
          }),
        );
      }),
    );
    const err = await caught(clientFor(rivya.url).getCredits());
    expect(err).toMatchObject({ status: 400, retryable: false });
    const failure = toActivityFailure(err) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.nonRetryable).toBe(true);
    const dump = everything(err);
    expectNoKey(dump);
    expect(dump).not.toContain(KEY.toUpperCase());
  });

  test('the request id from the header and a status text echoing the key are redacted too', async () => {
    const rivya = await track(
      startHttp((_req, res) => {
        res.writeHead(502, `Bad ${KEY}`, { 'X-Request-Id': `req_${b64(KEY)}` }).end('<html>proxy error</html>');
      }),
    );
    const err = await caught(clientFor(rivya.url).getCredits());
    expect(err).toMatchObject({ status: 502, retryable: true });
    expectNoKey(everything(err));
  });

  test('a task whose error echoes the key is read back without it (it would reach history)', async () => {
    const rivya = await track(
      startHttp((_req, res) => {
        const task = { ...TASK, status: 'failed', error: { code: KEY, message: `upstream said ${b64(`Bearer ${KEY}`)}` } };
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(task));
      }),
    );
    const task = await clientFor(rivya.url).getGeneration('task_hardening');
    expect(task.status).toBe('failed');
    expectNoKey(JSON.stringify(task));
  });
});

describe('5. credentials in a base URL given to the client directly never reach its errors', () => {
  // Settings refuse a RIVYA_BASE_URL with user:password@; a RivyaClient built by hand does not see those checks.
  const USER = 'svc-account';
  const PASSWORD = 'Pr0xy-p@ss:word';
  const withCredentials = (url: string) => url.replace('://', `://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@`);
  const expectNoCredentials = (text: string) => {
    for (const form of [USER, PASSWORD, encodeURIComponent(PASSWORD), `${USER}:`]) expect(text).not.toContain(form);
  };

  test('a refused connection: the network error names the host, not the user or the password', async () => {
    // Bound and closed again: nothing listens on the port.
    const closed = await track(startHttp((_req, res) => res.end()));
    await closed.close();
    const err = await caught(clientFor(withCredentials(closed.url)).getCredits());
    expect(err).toMatchObject({ name: 'RivyaNetworkError', causeCode: 'ECONNREFUSED' });
    expect(err.message).toContain(new URL(closed.url).host);
    expectNoCredentials(everything(err));
  });

  test('any fetch that puts the URL in its error (a custom fetch, a proxy agent) is scrubbed the same way', async () => {
    const fetch = async (url: string) => {
      throw Object.assign(new Error(`request to ${url} failed, reason: socket hang up`), { code: 'ECONNRESET' });
    };
    const err = await caught(clientFor(withCredentials('https://rivya.example'), { fetch }).getCredits());
    expect(err.message).toMatch(/request to https:\/\/\[redacted\]@rivya\.example\/api\/v1\/credits failed/);
    expectNoCredentials(everything(err));
  });
});
