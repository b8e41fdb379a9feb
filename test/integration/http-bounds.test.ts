/**
 * Slow and crowding clients against the two HTTP servers this project runs itself — the webhook
 * receiver and the codec server — each started alone on loopback (the receiver's Temporal
 * connection is lazy and never used here: no request gets as far as routing).
 *
 * Slowloris shapes: a socket that sends nothing, one that trickles its headers, one that trickles
 * its body; each must be closed by the configured bounds (2 s for the head, 3 s for the request),
 * which the old code only checked on Node's 30 s sweep (30 s for the head, up to 60 s for a body).
 * Assertions are "closed within 10 s": generous on a loaded machine, far below the old behaviour.
 * Then the connection cap: past it, a new connection is closed at once, and room comes back when
 * a connection goes.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { AesGcmPayloadCodec, CodecKeyRing, generateCodecServerToken, startCodecServer, type RunningCodecServer } from '../../src/codec';
import { resolveHttpBounds, HttpBoundsError } from '../../src/internal/net/http-bounds';
import { startWebhookReceiver } from '../../src/webhooks';
import { freePort } from '../helpers/ports';

const bounds = { headersTimeoutMs: 2_000, requestTimeoutMs: 3_000, keepAliveTimeoutMs: 1_000, maxConnections: 1_000 };
/** Far under the old code's 30–60 s; far over the bounds plus a loaded 2-core machine's delays. */
const CLOSED_WITHIN_MS = 10_000;
const TRICKLE_EVERY_MS = 300;

const codecToken = generateCodecServerToken();
const codec = new AesGcmPayloadCodec(new CodecKeyRing([{ id: 'k1', key: randomBytes(32) }]));
const secret = `whsec_${randomBytes(24).toString('base64')}`;

interface Ended {
  /** How long the server kept the socket, or Infinity when it still held it at the bound. */
  closedAfterMs: number;
  /** What the server wrote before closing. */
  answer: string;
}

/** What a client does once connected; `every` runs a writer on a timer that ends with the client. */
type Behaviour = (socket: Socket, every: (ms: number, write: () => void) => void) => void;

/**
 * Connects, runs `behave`, and reports when the server closed the socket — or, at `withinMs`, that
 * it had not (then the client hangs up itself).
 */
async function slowClient(port: number, behave: Behaviour, withinMs = CLOSED_WITHIN_MS): Promise<Ended> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const started = Date.now();
    let answer = '';
    const timers: NodeJS.Timeout[] = [];
    const end = (closedAfterMs: number) => {
      timers.forEach(clearInterval);
      clearTimeout(bound);
      socket.destroy();
      resolve({ closedAfterMs, answer });
    };
    const bound = setTimeout(() => end(Infinity), withinMs);
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('error', () => undefined); // a write racing the server's close
    socket.on('close', () => end(Date.now() - started));
    socket.on('connect', () =>
      behave(socket, (ms, write) =>
        timers.push(
          setInterval(() => {
            if (!socket.destroyed) write();
          }, ms),
        ),
      ),
    );
  });
}

/** Writes `head` (if any), then one byte of filler every TRICKLE_EVERY_MS, forever. */
function trickle(head: string): Behaviour {
  return (socket, every) => {
    socket.write(head);
    every(TRICKLE_EVERY_MS, () => socket.write('a'));
  };
}

const silent = () => undefined;

function expectClosedInTime(ended: Ended) {
  expect(ended.closedAfterMs).toBeLessThan(CLOSED_WITHIN_MS);
}

describe.each([
  {
    name: 'webhook receiver',
    start: async (options: { bounds: Partial<typeof bounds> }) => {
      const receiver = await startWebhookReceiver({
        connection: { address: `127.0.0.1:${await freePort()}` },
        secrets: [secret],
        log: false,
        ...options,
      });
      return { port: receiver.port, close: () => receiver.close() } satisfies Started;
    },
    bodyHead: (length: number) =>
      `POST /webhooks/rivya HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
  },
  {
    name: 'codec server',
    start: async (options: { bounds: Partial<typeof bounds> }) => {
      const server: RunningCodecServer = await startCodecServer({ codec, tokens: [codecToken], ...options });
      return { port: server.port, close: () => server.close() } satisfies Started;
    },
    bodyHead: (length: number) =>
      `POST /decode HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${codecToken}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
  },
])('$name', ({ start, bodyHead }) => {
  let server: Started;
  beforeAll(async () => {
    server = await start({ bounds });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('slowloris: a silent socket and trickled headers are closed by the 2 s head bound; a trickled body by the 3 s request bound', async () => {
    const [quiet, head, body] = await Promise.all([
      slowClient(server.port, silent),
      slowClient(server.port, trickle('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')),
      slowClient(server.port, trickle(bodyHead(100_000))),
    ]);
    expectClosedInTime(quiet);
    expectClosedInTime(head);
    expectClosedInTime(body);
    // Not closed early either: each lived at least (about) its bound.
    for (const ended of [quiet, head]) expect(ended.closedAfterMs).toBeGreaterThanOrEqual(bounds.headersTimeoutMs - 100);
    expect(body.closedAfterMs).toBeGreaterThanOrEqual(bounds.requestTimeoutMs - 100);
    expect(body.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  test('a prompt client is served as before on the bounded server', async () => {
    const ended = await slowClient(server.port, (socket) =>
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    );
    expect(ended.answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(ended.closedAfterMs).toBeLessThan(bounds.headersTimeoutMs);
  });

  test('the connection cap: past it a new connection is closed at once, unanswered; room comes back when one goes', async () => {
    // Long head bounds here, so only the cap can close the extra socket quickly.
    const capped = await start({ bounds: { headersTimeoutMs: 30_000, requestTimeoutMs: 30_000, maxConnections: 4 } });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 4; i += 1) {
        const socket = connect({ host: '127.0.0.1', port: capped.port });
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        held.push(socket);
      }
      const extra = await slowClient(capped.port, silent, 5_000);
      // Closed for being over the cap, not at the 30 s timeouts: a generous bound well below them.
      expect(extra.closedAfterMs).toBeLessThan(15_000);
      expect(extra.answer).toBe('');
      expect(held.every((socket) => !socket.destroyed)).toBe(true);

      held.pop()!.destroy();
      // The server notices the close on its next turn: a prompt request gets through shortly.
      const deadline = Date.now() + 5_000;
      let answer = '';
      while (!/^HTTP\/1\.1 200 /.test(answer) && Date.now() < deadline) {
        answer = (
          await slowClient(
            capped.port,
            (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
            5_000,
          )
        ).answer;
        if (!answer) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      held.forEach((socket) => socket.destroy());
      await capped.close();
    }
  });
});

interface Started {
  port: number;
  close(): Promise<void>;
}

test('bounds are checked: head over request, sub-100 ms, no connections', () => {
  const defaults = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 256 };
  expect(resolveHttpBounds(defaults, { headersTimeoutMs: 2_000, maxConnections: undefined })).toEqual({
    ...defaults,
    headersTimeoutMs: 2_000,
  });
  expect(() => resolveHttpBounds(defaults, { headersTimeoutMs: 40_000 })).toThrow(HttpBoundsError);
  expect(() => resolveHttpBounds(defaults, { requestTimeoutMs: 50 })).toThrow(/requestTimeoutMs/);
  expect(() => resolveHttpBounds(defaults, { maxConnections: 0 })).toThrow(/maxConnections/);
  expect(() => resolveHttpBounds(defaults, { keepAliveTimeoutMs: 1.5 })).toThrow(/keepAliveTimeoutMs/);
});
