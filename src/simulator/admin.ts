/**
 * `/_simulator/*`: the control surface tests, the CLI and benchmarks use over HTTP. Not part of
 * Rivya's API, so no auth, no faults and no counting.
 */
import type { IncomingMessage } from 'node:http';
import type { SimulatorConfig, SimulatorConfigInput } from './config';
import { readJson, type Answer } from './http';
import type { SimulatorStats } from './stats';
import type { RequestLogEntry } from './store';

/** The part of the running simulator the admin API steers. */
export interface AdminControls {
  stats(): SimulatorStats;
  requestLog(): readonly RequestLogEntry[];
  configure(patch: SimulatorConfigInput): SimulatorConfig;
  reset(patch?: SimulatorConfigInput): void;
}

/** The answer, or undefined when no admin route matches (the request then goes on to a 404). */
export async function handleAdmin(controls: AdminControls, req: IncomingMessage, path: string): Promise<Answer | undefined> {
  if (req.method === 'GET' && path === '/_simulator/stats') return { status: 200, body: controls.stats() };
  if (req.method === 'GET' && path === '/_simulator/requests') return { status: 200, body: controls.requestLog() };
  if (req.method === 'POST' && path === '/_simulator/config') {
    const { json } = await readJson(req);
    return { status: 200, body: controls.configure(json as SimulatorConfigInput) };
  }
  if (req.method === 'POST' && path === '/_simulator/reset') {
    const { json } = await readJson(req);
    controls.reset((json ?? {}) as SimulatorConfigInput);
    return { status: 200, body: { ok: true } };
  }
  return undefined;
}
