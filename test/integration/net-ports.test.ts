/** src/internal/net/ports.ts: the one parser of port flags and variables, and the free-port helpers. */
import { createServer } from 'node:net';
import { freePort, freePorts, parsePort, portIsFree } from '../../src/internal/net/ports';
import { pickDevPorts } from '../../tools/cli/commands/dev';

test('parsePort takes digits from min to 65535 and nothing else', () => {
  expect([parsePort('0'), parsePort('8234'), parsePort('65535')]).toEqual([0, 8234, 65_535]);
  expect(parsePort('0', 1)).toBeUndefined();
  expect(parsePort('1', 1)).toBe(1);
  for (const bad of ['', ' 80', '80 ', '-1', '65536', '99999', '123456', '8e3', '0x50', '80.0', 'http'])
    expect({ bad, port: parsePort(bad) }).toEqual({ bad, port: undefined });
});

test('freePort gives a port that can be bound; portIsFree tells a bound port from a free one', async () => {
  const port = await freePort();
  expect(await portIsFree(port)).toBe(true);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    expect(await portIsFree(port)).toBe(false);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(await portIsFree(port)).toBe(true);
});

test('freePorts gives distinct bindable ports, none excluded, from a range when asked', async () => {
  const first = await freePort();
  const ports = await freePorts(5, { exclude: [first] });
  expect(new Set([...ports, first]).size).toBe(6);
  for (const port of ports) expect(await portIsFree(port)).toBe(true);
  const low = await freePorts(3, { range: [20_000, 32_767] });
  expect(new Set(low).size).toBe(3);
  for (const port of low) expect(port >= 20_000 && port <= 32_767).toBe(true);
});

test("dev's ports: the wanted ones when free, else free ones distinct from each other and the codec port", async () => {
  const [codecPort, wanted, wantedUi, wantedHttp] = await freePorts(4);
  expect(await pickDevPorts({ port: String(wanted), uiPort: String(wantedUi), httpPort: String(wantedHttp) }, [codecPort!])).toEqual({
    port: wanted,
    uiPort: wantedUi,
    httpPort: wantedHttp,
  });
  const picked = await pickDevPorts({ port: '0', uiPort: '0', httpPort: '0' }, [codecPort!]);
  expect(new Set([picked.port, picked.uiPort, picked.httpPort, codecPort]).size).toBe(4);
  // The same port asked for all three, or the codec's: only one use keeps it.
  const same = await pickDevPorts({ port: String(codecPort), uiPort: String(codecPort), httpPort: String(codecPort) }, [codecPort!]);
  expect(new Set([same.port, same.uiPort, same.httpPort, codecPort]).size).toBe(4);
  const held = createServer();
  await new Promise<void>((resolve) => held.listen(wanted, '127.0.0.1', resolve));
  try {
    const busy = await pickDevPorts({ port: String(wanted), uiPort: String(wantedUi) });
    expect(busy.port).not.toBe(wanted);
    expect(busy.uiPort).toBe(wantedUi);
  } finally {
    await new Promise((resolve) => held.close(resolve));
  }
});
