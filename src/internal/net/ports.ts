/**
 * TCP ports: whether one is free, free ones picked by the kernel or from a range, and a port given
 * as text (flags and environment variables). One place for what the dev run, the cluster, the codec
 * server, the webhook receiver, the metrics endpoint and the test servers each did by hand.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

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
  const [port] = await freePorts(1, { host });
  return port!;
}

/** A port bound (held) by this process until `release`: while held, no other pick can return it. */
export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/** The next held candidate port, or undefined when there are no more candidates. */
export type PortSource = () => Promise<HeldPort | undefined>;

export interface FreePortsOptions {
  host?: string;
  /** Ports the caller uses already (fixed ports of the same run): never returned. */
  exclude?: Iterable<number>;
  /**
   * Pick from this inclusive range (from a random point, upwards, wrapping) instead of the kernel's
   * ephemeral range — e.g. for ports that must fit a SQL SMALLINT.
   */
  range?: readonly [number, number];
  /** Where candidates come from; default: per `range`, else the kernel (bind to port 0). */
  source?: PortSource;
}

async function hold(port: number, host: string): Promise<HeldPort | undefined> {
  const server: Server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!bound) return undefined;
  return {
    port: (server.address() as AddressInfo).port,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Candidates from the kernel: each bind to port 0 gets a port no held one has. */
export function kernelPortSource(host = '127.0.0.1'): PortSource {
  return () => hold(0, host);
}

/** Candidates from `[low, high]`, each tried once from a random starting point; busy ones skipped. */
export function rangePortSource([low, high]: readonly [number, number], host = '127.0.0.1'): PortSource {
  const span = high - low + 1;
  const start = Math.floor(Math.random() * span);
  let tried = 0;
  return async () => {
    while (tried < span) {
      const held = await hold(low + ((start + tried) % span), host);
      tried += 1;
      if (held) return held;
    }
    return undefined;
  };
}

/**
 * `count` distinct ports, none in `exclude`, all free right now. Every candidate (also a rejected
 * one) stays held until all are chosen, so a source cannot hand out the same port twice — picking
 * ports one call at a time, each released before the next, can (and gave two cluster services one
 * port). Free when returned, not reserved: a process that binds one later may still lose a race.
 */
export async function freePorts(count: number, options: FreePortsOptions = {}): Promise<number[]> {
  const host = options.host ?? '127.0.0.1';
  const source = options.source ?? (options.range ? rangePortSource(options.range, host) : kernelPortSource(host));
  const unwanted = new Set(options.exclude ?? []);
  const held: HeldPort[] = [];
  const chosen: number[] = [];
  // Bounds a source that keeps repeating ports; the kernel's and the range's never need this many.
  const maxCandidates = (count + unwanted.size + 1) * 20;
  try {
    for (let n = 0; chosen.length < count && n < maxCandidates; n += 1) {
      const candidate = await source();
      if (!candidate) break;
      held.push(candidate);
      if (unwanted.has(candidate.port)) continue;
      unwanted.add(candidate.port);
      chosen.push(candidate.port);
    }
    if (chosen.length < count) {
      const where = options.range ? ` in ${options.range[0]}-${options.range[1]}` : '';
      throw new Error(`fewer than ${count} free ports${where} on ${host}`);
    }
    return chosen;
  } finally {
    await Promise.all(held.map((candidate) => candidate.release()));
  }
}

/** A port number written as text: digits only, `min` (0 = "pick a free one") to 65535; else undefined. */
export function parsePort(text: string, min: 0 | 1 = 0): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= min && port <= 65_535 ? port : undefined;
}
