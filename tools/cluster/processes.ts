/**
 * The cluster's long-running processes: started detached (their own process group, output appended
 * to a log file) so `cluster up` can exit and leave them running, and stopped later by pid from the
 * state file. A pid is only signalled while /proc says it still runs the command we started (a
 * reused pid after a reboot is never ours).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface StartedProcess {
  name: string;
  pid: number;
  /** argv[0] as started: how a later `down` recognises the process. */
  command: string;
  log: string;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  log: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
}

export function spawnDetached(options: SpawnOptions): { started: StartedProcess; child: ChildProcess } {
  const fd = openSync(options.log, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      uid: options.uid,
      gid: options.gid,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
    child.unref();
    // An 'error' (e.g. ENOENT) after spawn would otherwise be thrown; the caller sees exitCode.
    child.on('error', () => undefined);
    return { started: { name: options.name, pid: child.pid, command: options.command, log: options.log }, child };
  } finally {
    closeSync(fd);
  }
}

/** True when `pid` is alive and (where /proc exists) runs `command`. */
export function isRunning(process_: Pick<StartedProcess, 'pid' | 'command'>): boolean {
  try {
    process.kill(process_.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${process_.pid}/stat`, 'utf8');
    // A zombie has exited; only its parent's wait is pending.
    if (/\) Z /.test(stat)) return false;
    const argv0 = readFileSync(`/proc/${process_.pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0 === process_.command || argv0.endsWith(`/${process_.command.split('/').pop()}`);
  } catch {
    // No /proc (not Linux): the signal check is all we have.
    return process.platform !== 'linux';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Signals the process group of a started process (its children go with it), waits for it to go,
 * and SIGKILLs the group after `graceMs`. Resolves true when it had to kill.
 */
export async function stopProcess(started: StartedProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<boolean> {
  if (!isRunning(started)) return false;
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-started.pid, sig);
    } catch {
      try {
        process.kill(started.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  send(signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(started)) return false;
    await sleep(100);
  }
  send('SIGKILL');
  while (isRunning(started)) await sleep(50);
  return true;
}

export { accepts } from '../temporal-cli/dev-server';

/**
 * Ports the Temporal server stores (membership ports go into cluster_membership.rpc_port, a SQL
 * SMALLINT) must be at most 32767 — below Linux's ephemeral range, so a kernel-chosen free port
 * (bind to 0) would not do. freePorts picks them from 20000-32767, starting at a random point.
 */
export const LOW_PORT_RANGE = [20_000, 32_767] as const;

/** Waits for `ready()`; fails early when the process exits, with the tail of its log. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean> | boolean,
  options: { child?: ChildProcess; log?: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await ready()) return;
    const exited = options.child && (options.child.exitCode !== null || options.child.signalCode !== null);
    if (exited || Date.now() > deadline) {
      const reason = exited
        ? `exited (${options.child!.exitCode ?? options.child!.signalCode})`
        : `not ready after ${options.timeoutMs / 1000} s`;
      throw new Error(`${what} ${reason}${options.log ? `; last lines of ${options.log}:\n${logTail(options.log)}` : ''}`);
    }
    await sleep(150);
  }
}

export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
