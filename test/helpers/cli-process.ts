/** The built `rivya-sora2` binary as a real process: one-shot runs and long-running commands. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'tools', 'cli', 'main.js');

/** The environment without anything that would point the CLI at other infrastructure. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (process.env.TEMPORAL_CLI_PATH) env.TEMPORAL_CLI_PATH = process.env.TEMPORAL_CLI_PATH;
  return { ...env, ...extra };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  signal?: NodeJS.Signals;
}

/** Runs a command to its end (killed and rejected after `timeoutMs`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000, cwd?: string): Promise<Run> {
  return runNode(CLI, args, env, timeoutMs, cwd);
}

/** Runs a Node.js script to its end (killed and rejected after `timeoutMs`), its output collected. */
export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, cwd?: string): Promise<Run> {
  return runProgram(process.execPath, [script, ...args], {
    env,
    cwd,
    timeoutMs,
    label: `${script === CLI ? 'rivya-sora2' : script} ${args.join(' ')}`,
  });
}

/**
 * Runs any program to its end, its output collected (killed and rejected after `timeoutMs`, the
 * output so far in the error), and the signal that ended it, if one did.
 */
export function runProgram(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; label: string },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.label} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(signal ? { signal } : {}) });
    });
  });
}

export interface LongRunning {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running command (dev, worker); its stdout and stderr are collected together. */
export function startCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): LongRunning {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGINT') => {
      child.kill(signal);
      return exited;
    },
  };
}
