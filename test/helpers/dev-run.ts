/**
 * `rivya-sora2 dev` as a test's stack: the built CLI on free ports, waited for until it says it is
 * ready, with what it printed parsed out (the Temporal address, the simulator and its admin token).
 */
import { startCli, type LongRunning } from './cli-process';
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
