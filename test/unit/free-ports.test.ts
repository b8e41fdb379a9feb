/**
 * freePorts (src/internal/net/ports.ts) with a stubbed port source: no sockets. A source that hands
 * out a port again once it was released is what picking one port per call ran into in `cluster up`
 * (PostgreSQL and the frontend on one port); freePorts must still return distinct ports.
 */
import { freePorts, type HeldPort, type PortSource } from '../../src/internal/net/ports';

/** A source that yields the given ports in order and records which were released. */
function scriptedSource(ports: number[]): { source: PortSource; released: number[]; handedOut: () => number } {
  const released: number[] = [];
  let next = 0;
  const source: PortSource = async () => {
    const port = ports[next];
    if (port === undefined) return undefined;
    next += 1;
    const held: HeldPort = { port, release: async () => void released.push(port) };
    return held;
  };
  return { source, released, handedOut: () => next };
}

test('a source that repeats a port still gives distinct ports', async () => {
  const { source } = scriptedSource([7000, 7000, 7001, 7000, 7002]);
  expect(await freePorts(3, { source })).toEqual([7000, 7001, 7002]);
});

test('excluded ports are never returned', async () => {
  const { source } = scriptedSource([5432, 7233, 7234, 8080, 7235]);
  expect(await freePorts(2, { source, exclude: [5432, 7233, 8080] })).toEqual([7234, 7235]);
});

test('every candidate is held until all are chosen, then released', async () => {
  const { source, released } = scriptedSource([7000, 7000, 7001]);
  const ports = await freePorts(2, { source });
  expect(ports).toEqual([7000, 7001]);
  expect(released.sort()).toEqual([7000, 7000, 7001]);
});

test('too few candidates: an error, and what was held is released', async () => {
  const { source, released } = scriptedSource([7000, 7000]);
  await expect(freePorts(2, { source, range: [7000, 7000] })).rejects.toThrow('fewer than 2 free ports in 7000-7000');
  expect(released).toEqual([7000, 7000]);
});

test('a source that only repeats is given up on, not looped on forever', async () => {
  let calls = 0;
  const source: PortSource = async () => {
    calls += 1;
    return { port: 7000, release: async () => undefined };
  };
  await expect(freePorts(2, { source })).rejects.toThrow('fewer than 2 free ports');
  expect(calls).toBeLessThan(100);
});
