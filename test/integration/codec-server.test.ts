/**
 * The codec server over real sockets: the right bearer token (header or endpoint path) decodes,
 * a wrong or missing one gets 401; CORS lets in only the configured UI origin; bodies are bounded
 * (413), a refused body is not read, and payloads are counted before parsing. Then the dev stack's
 * wiring: a dev server given the codec endpoint (in an owner-only flag file, never on its command
 * line) hands it to its UI (the UI's settings API), and a request made the way UI 2.42 makes it —
 * POST `<endpoint>/decode` from the UI's origin with X-Namespace and no Authorization — is decoded.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  AesGcmPayloadCodec,
  CodecKeyRing,
  CodecServerConfigError,
  ENCRYPTED_ENCODING,
  generateCodecServerToken,
  parseOrigins,
  readCodecServerTokens,
  startCodecServer,
  type RunningCodecServer,
} from '../../src/codec';
import { devUiOrigins, prepareDevEncryption, startDevCodecServer } from '../../src/codec/dev';
import { checkJsonShape } from '../../src/codec/json-shape';
import { locateTemporalCli } from '../../tools/temporal-cli';
import { startLoggedDevServer } from '../../tools/temporal-cli/dev-server';
import { freePort } from '../helpers/ports';
import { startTestTemporal } from '../helpers/temporal-env';

const ring = new CodecKeyRing([{ id: 'k1', key: randomBytes(32) }]);
const codec = new AesGcmPayloadCodec(ring);
const token = generateCodecServerToken();
const otherToken = generateCodecServerToken();
const uiOrigin = 'http://127.0.0.1:8233';
const secret = `the confidential prompt ${randomBytes(6).toString('hex')}`;

let server: RunningCodecServer;
let sealed: Payload;

const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}, base = server.url): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function decodedText(json: { payloads: { data: string }[] }): string {
  return Buffer.from(json.payloads[0]!.data, 'base64').toString();
}

beforeAll(async () => {
  sealed = (await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(secret)) }]))[0]!;
  server = await startCodecServer({ codec, tokens: [token], allowedOrigins: [uiOrigin], maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await server?.close();
});

describe('who may decode', () => {
  test('the right bearer token decodes: the original payload comes back, metadata and all', async () => {
    const response = await post('/decode', { payloads: [toJson(sealed)] }, { authorization: `Bearer ${token}`, 'x-namespace': 'default' });
    expect(response.status).toBe(200);
    const json = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(decodedText(json)).toBe(JSON.stringify(secret));
    expect(Buffer.from(json.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
  });

  test('the token as the path segment before the action (how the Temporal UI carries it) decodes too, under any prefix', async () => {
    for (const path of [`/${token}/decode`, `/codec/${token}/decode`]) {
      const response = await post(path, { payloads: [toJson(sealed)] });
      expect(response.status).toBe(200);
      expect(decodedText((await response.json()) as { payloads: { data: string }[] })).toBe(JSON.stringify(secret));
    }
  });

  test('a wrong, missing or malformed token gets 401 and no payload', async () => {
    const attempts: [string, Record<string, string>][] = [
      ['/decode', {}],
      ['/decode', { authorization: `Bearer ${otherToken}` }],
      ['/decode', { authorization: `Bearer ${token.slice(0, -1)}` }],
      ['/decode', { authorization: `Basic ${Buffer.from(`user:${token}`).toString('base64')}` }],
      ['/decode', { authorization: token }],
      [`/${otherToken}/decode`, {}],
      [`/${token}x/decode`, {}],
      // The token elsewhere in the path does not count: only the segment just before the action.
      [`/${token}/codec/decode`, {}],
    ];
    for (const [path, headers] of attempts) {
      const response = await post(path, { payloads: [toJson(sealed)] }, headers);
      expect([path, response.status]).toEqual([path, 401]);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const text = await response.text();
      expect(text).not.toContain(Buffer.from(JSON.stringify(secret)).toString('base64'));
      expect(text).not.toContain(secret);
    }
    // /encode is guarded the same way (it would otherwise be an encryption oracle).
    expect((await post('/encode', { payloads: [] })).status).toBe(401);
  });
});

describe('browsers', () => {
  const preflight = (origin: string) =>
    fetch(`${server.url}/${token}/decode`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });

  test("the UI's origin passes the preflight and reads the answer", async () => {
    const response = await preflight(uiOrigin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('x-namespace');
    expect(response.headers.get('vary')).toContain('Origin');

    const decoded = await post(`/${token}/decode`, { payloads: [toJson(sealed)] }, { origin: uiOrigin, 'x-namespace': 'default' });
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(uiOrigin);
  });

  test('any other origin is refused at the preflight and at the request, even with a valid token', async () => {
    for (const origin of ['http://127.0.0.1:9999', 'https://evil.example', 'null', 'http://localhost:8233']) {
      const response = await preflight(origin);
      expect([origin, response.status]).toEqual([origin, 403]);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
    const refused = await post(
      '/decode',
      { payloads: [toJson(sealed)] },
      { origin: 'https://evil.example', authorization: `Bearer ${token}` },
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain(Buffer.from(JSON.stringify(secret)).toString('base64'));
  });
});

describe('bounds and errors', () => {
  test('a body over the limit gets 413, declared or streamed', async () => {
    const big = { payloads: [{ metadata: {}, data: Buffer.alloc(80 * 1024).toString('base64') }] };
    const response = await post('/decode', big, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(413);
    // Streamed without a Content-Length: stopped at the cap, not read to the end.
    const chunks = async function* () {
      for (let i = 0; i < 40; i += 1) yield new Uint8Array(4 * 1024).fill(97);
    };
    const streamed = await fetch(`${server.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await post('/decode', { payloads: [toJson(sealed)] }, { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  test('an unauthenticated request is answered 401 before its body is read, and its connection is closed', async () => {
    const { port } = new URL(server.url);
    // Declares 60 KiB (within the 64 KiB cap), sends 1 KiB, and waits: nothing more is needed for the 401.
    const started = Date.now();
    const { answer, closedByServer } = await rawExchange(Number(port), (socket) => {
      socket.write(`POST /decode HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${60 * 1024}\r\n\r\n`);
      socket.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    // Closed by the server, not kept alive while the rest of the body is awaited and drained.
    expect(closedByServer).toBe(true);
    // Liveness, not speed: a server waiting for the body would close only at its 30 s request timeout.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('1,000,000 empty payloads (3 MB, under the byte cap) are refused 413 before the body is parsed; 1,000 still decode', async () => {
    // The default byte cap (8 MiB) and payload limit (1,000), as a deployment runs them.
    const full = await startCodecServer({ codec, tokens: [token] });
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const auth = { authorization: `Bearer ${token}` };
      const empties = (n: number) => `{"payloads":[${Array.from({ length: n }, () => '{}').join(',')}]}`;
      const million = await post('/decode', empties(1_000_000), auth, full.url);
      expect(million.status).toBe(413);
      expect(((await million.json()) as { error: string }).error).toMatch(/more than 1000 payloads/);
      expect((await post('/decode', empties(1_001), auth, full.url)).status).toBe(413);
      // One payload with 100,000 metadata keys: the same trap one level down (400: not the protocol's shape).
      const keys = Array.from({ length: 100_000 }, (_, i) => `"k${i}":""`).join(',');
      expect((await post('/decode', `{"payloads":[{"metadata":{${keys}}}]}`, auth, full.url)).status).toBe(400);
      // Nothing large was handed to JSON.parse: the refusals came from counting the bytes.
      const parsedLengths = parse.mock.calls.map(([text]) => (typeof text === 'string' ? text.length : 0));
      expect(parsedLengths.filter((length) => length > 500_000)).toEqual([]);

      const thousand = await post('/decode', empties(1_000), auth, full.url);
      expect(thousand.status).toBe(200);
      expect(((await thousand.json()) as { payloads: unknown[] }).payloads).toHaveLength(1_000);
    } finally {
      parse.mockRestore();
      await full.close();
    }
  });

  test('malformed bodies are 400; a wrong content type 415; an unknown key id is 422 naming the id', async () => {
    const auth = { authorization: `Bearer ${token}` };
    expect((await post('/decode', '{"payloads": [', auth)).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: 'not base64!' }] }, auth)).status).toBe(400);
    expect((await post('/decode', { nothing: true }, auth)).status).toBe(400);
    expect((await post('/decode', 'x', { ...auth, 'content-type': 'text/plain' })).status).toBe(415);

    const foreign = (await new AesGcmPayloadCodec(new CodecKeyRing([{ id: 'k0', key: randomBytes(32) }])).encode([sealed]))[0]!;
    const unknown = await post('/decode', { payloads: [toJson(foreign)] }, auth);
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/key id "k0", which is not in the key ring/);
  });

  test('/encode seals with the current key; the result decodes back', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') };
    const response = await post('/encode', { payloads: [plain] }, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    const encoded = ((await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads[0]!;
    expect(Buffer.from(encoded.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const back = await post('/decode', { payloads: [encoded] }, { authorization: `Bearer ${token}` });
    expect(((await back.json()) as { payloads: { data: string }[] }).payloads[0]!.data).toBe(plain.data);
  });

  test('configuration: no token, short tokens and origins with paths are refused with messages that quote no token', () => {
    expect(() => readCodecServerTokens({})).toThrow(CodecServerConfigError);
    const short = 'abc123abc123';
    let error: unknown;
    try {
      readCodecServerTokens({ RIVYA_CODEC_SERVER_TOKENS: `${token} ${short}` });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toMatch(/token #2 is 12 characters/);
    expect((error as Error).message).not.toContain(short);
    expect((error as Error).message).not.toContain(token);
    expect(readCodecServerTokens({ RIVYA_CODEC_SERVER_TOKENS: `${token},${otherToken}` })).toEqual([token, otherToken]);
    expect(() => parseOrigins('http://127.0.0.1:8233/')).toThrow(/is not an origin/);
    expect(parseOrigins('https://temporal.example.com, http://127.0.0.1:8233')).toEqual([
      'https://temporal.example.com',
      'http://127.0.0.1:8233',
    ]);
  });
});

/**
 * Writes with `send`, never finishes the request, and resolves with what the server answered and
 * whether the server closed the connection (within 10 s; else the client hangs up and says not).
 */
async function rawExchange(port: number, send: (socket: Socket) => void): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedByServer: false });
    }, 10_000);
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined); // a reset while we still had body to send
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedByServer: true });
    });
    socket.on('connect', () => send(socket));
  });
}

/** The first answer from a URL, retried while nothing listens yet (at most 20 s). */
async function uiAnswer(url: string): Promise<Response> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('the shape check on its own', () => {
  const limits = { maxArrayItems: 3, maxObjectMembers: 2, maxDepth: 4 };
  const check = (json: string) => checkJsonShape(Buffer.from(json), limits);
  test('counts items and members, at any depth, and stops at the first over its limit', () => {
    expect(check('{"payloads":[{},{},{}]}')).toEqual({ ok: true });
    expect(check('{"payloads":[{},{},{},{}]}')).toEqual({ ok: false, reason: 'too-many-items' });
    expect(check('{"payloads":[{"metadata":{"a":"","b":""}}]}')).toEqual({ ok: true });
    expect(check('{"payloads":[{"metadata":{"a":"","b":"","c":""}}]}')).toEqual({ ok: false, reason: 'too-many-members' });
    expect(check('{"payloads":[{"metadata":{"a":[]}}]}')).toEqual({ ok: false, reason: 'too-deep' });
    expect(check('{"payloads":[]}')).toEqual({ ok: true });
  });
  test('brackets, commas and escaped quotes inside strings are not structure', () => {
    expect(check('{"payloads":[{"data":",,,,[[[[{{{{"}]}')).toEqual({ ok: true });
    expect(check('{"payloads":[{"data":"a\\",\\"b,c,d,e"}]}')).toEqual({ ok: true });
    expect(check('{"payloads":[{"data":"ends in a backslash\\\\"},{},{},{}]}')).toEqual({ ok: false, reason: 'too-many-items' });
  });
});

describe('the dev stack wiring (rivya-sora2 dev --encrypt)', () => {
  let env: TestWorkflowEnvironment | undefined;
  let devCodec: RunningCodecServer | undefined;
  afterAll(async () => {
    await devCodec?.close();
    await env?.teardown();
  });

  test("the dev UI gets the codec endpoint (with its token) and the UI's own request shape decodes", async () => {
    const devDirectory = mkdtempSync(`${tmpdir()}/rivya-dev-`);
    const encryption = await prepareDevEncryption(devDirectory, 0, {});
    // The run's key file is made once, owner-only, and reused.
    expect(encryption.keyFile).toBe(`${devDirectory}/codec-keys`);
    expect(statSync(encryption.keyFile!).mode & 0o777).toBe(0o600);
    expect((await prepareDevEncryption(devDirectory, 0, {})).keyRing.encryptingKeyId).toBe(encryption.keyRing.encryptingKeyId);

    const uiPort = await freePort();
    env = await startTestTemporal({ ui: true, uiPort, uiCodecEndpoint: encryption.uiEndpoint });
    devCodec = await startDevCodecServer(encryption, devUiOrigins(uiPort));

    // What the UI's pages load: the endpoint the dev server was given. (The UI may start listening a
    // moment after the server's gRPC port, which is what the start waited for.)
    const settings = (await (await uiAnswer(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string; PassAccessToken?: boolean; IncludeCredentials?: boolean };
    };
    expect(settings.Codec?.Endpoint).toBe(encryption.uiEndpoint);
    // …but not through the command line, which every local user can read (`ps`, /proc/<pid>/cmdline).
    expect(commandLinesHolding(encryption.token)).toEqual([]);

    // As UI 2.42 calls it (services/data-encoder.ts): POST endpoint + '/decode', Content-Type and
    // X-Namespace only, from the UI's origin — after a CORS preflight.
    const devSealed = (
      await new AesGcmPayloadCodec(encryption.keyRing).encode([
        { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(secret)) },
      ])
    )[0]!;
    const origin = `http://127.0.0.1:${uiPort}`;
    const preflight = await fetch(`${encryption.uiEndpoint}/decode`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    const response = await post(
      '',
      { payloads: [toJson(devSealed)] },
      { origin, 'x-namespace': 'default' },
      `${encryption.uiEndpoint}/decode`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(decodedText((await response.json()) as { payloads: { data: string }[] })).toBe(JSON.stringify(secret));
    // The endpoint without its token is what a stranger would try: 401.
    expect((await post('/decode', { payloads: [toJson(devSealed)] }, { origin }, devCodec.url)).status).toBe(401);
  });

  test('`dev` starts its server the same way: the endpoint reaches the UI, the token stays out of every command line and off the disk', async () => {
    const cli = locateTemporalCli();
    if (!cli) throw new Error('tests need the real Temporal CLI: run `npm run temporal:cli`');
    const endpoint = `http://127.0.0.1:${await freePort()}/${generateCodecServerToken()}`;
    const uiPort = await freePort();
    const logged = await startLoggedDevServer({
      executable: { type: 'existing-path', path: cli.path },
      ui: true,
      uiPort,
      uiCodecEndpoint: endpoint,
      output: () => undefined,
    });
    try {
      const settings = (await (await uiAnswer(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
      expect(settings.Codec?.Endpoint).toBe(endpoint);
      const token = endpoint.split('/').pop()!;
      expect(commandLinesHolding(token)).toEqual([]);
      // The flag file the server read its endpoint from is gone once the server is up.
      const server = commandLinesHolding(`--ui-port\0${uiPort}\0`)[0] ?? '';
      const flagFile = /--env-file (\S+)/.exec(server)?.[1];
      expect(flagFile).toBeDefined();
      expect(existsSync(flagFile!)).toBe(false);
    } finally {
      await logged.teardown();
    }
  });
});

/** Command lines of this machine's processes that contain `text` ("pid: argv", NULs as spaces). */
function commandLinesHolding(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (commandLine.includes(text)) found.push(`${pid}: ${commandLine.replace(/\0/g, ' ')}`);
  }
  return found;
}
