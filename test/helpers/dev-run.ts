/**
 * `rivya-sora2 dev` as a test's stack: the built CLI on free ports, waited for until it says it is
 * ready, with what it printed parsed out (the Temporal address, the simulator and its admin token).
 * A test file calls `useDevRun()` once at its top; `startDevRun()` is for a dev with its own environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, startCli, type LongRunning } from './cli-process';
import { waitFor } from './simulator';

export interface DevRun {
  dev: LongRunning;
  /** Everything dev has printed so far. */
  output(): string;
  temporalAddress: string;
  simulatorUrl: string;
  simulatorAdminToken: string;
}

function printed(output: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(output);
  if (!match?.[1]) throw new Error(`dev did not print ${what}:\n${output}`);
  return match[1];
}

/** Starts `dev --port 0 --ui-port 0 …extraArgs` in `cwd`; a dev that is not ready in time fails with its output. */
export async function startDevRun(extraArgs: string[], env: NodeJS.ProcessEnv, cwd: string, readyWithinMs = 120_000): Promise<DevRun> {
  const dev = startCli(['dev', '--port', '0', '--ui-port', '0', ...extraArgs], env, cwd);
  try {
    await waitFor(() => (dev.output().includes('Ctrl-C stops everything') ? true : undefined), readyWithinMs, 200);
  } catch (err) {
    await dev.stop('SIGKILL');
    throw new Error(`${String(err)}\n${dev.output()}`, { cause: err });
  }
  const output = dev.output();
  return {
    dev,
    output: () => dev.output(),
    temporalAddress: printed(output, /Temporal dev server: (\S+)/, 'the Temporal address'),
    simulatorUrl: printed(output, /Rivya simulator: (\S+)/, 'the simulator URL'),
    simulatorAdminToken: printed(output, /simulator admin token: (\S+)/, "the simulator's admin token"),
  };
}

/** The file's `dev` run, started in beforeAll in a throw-away folder and stopped (Ctrl-C) after. */
export interface FileDevRun {
  dev: LongRunning;
  /** dev's working folder (its references, items files). */
  cwd: string;
  /** A clean environment pointing the CLI at this dev's Temporal server. */
  env: NodeJS.ProcessEnv;
  simulatorUrl: string;
  /** POST to a `/_simulator/*` admin route (faults, timings); fails the test unless answered 200. */
  simulatorAdmin(path: string, body: unknown): Promise<void>;
  /** GET a `/_simulator/*` admin route (`/stats`: the tasks and counters the CLI's runs left; `/config`). */
  simulatorRead<T = unknown>(path: string): Promise<T>;
}

/** Starts `dev` for the whole test file; call it at the top of the file. */
export function useDevRun(label: string, extraArgs: string[] = []): FileDevRun {
  let run: DevRun | undefined;
  let cwd: string | undefined;
  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), `rivya-${label}-`));
    run = await startDevRun(extraArgs, cleanEnv(), cwd);
  }, 150_000);
  afterAll(async () => {
    await run?.dev.stop('SIGINT');
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });
  const started = (): DevRun => {
    if (!run) throw new Error('dev is not running: use it inside tests and hooks, after useDevRun() at the top of the file');
    return run;
  };
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${started().simulatorUrl}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${started().simulatorAdminToken}`, 'Content-Type': 'application/json' },
    });
  return {
    get dev() {
      return started().dev;
    },
    get cwd() {
      started();
      return cwd!;
    },
    get env() {
      return cleanEnv({ TEMPORAL_ADDRESS: started().temporalAddress });
    },
    get simulatorUrl() {
      return started().simulatorUrl;
    },
    async simulatorAdmin(path, body) {
      const response = await admin(path, { method: 'POST', body: JSON.stringify(body) });
      expect(response.status).toBe(200);
    },
    async simulatorRead<T>(path: string) {
      const response = await admin(path);
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    },
  };
}
