/**
 * The install matrix's tools (test/install): the package packed as `npm pack` ships it, throw-away
 * apps installed from it as users install, official Node builds of other majors, and the app's
 * processes run under them with every wait bounded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { binaryCacheDirectory } from '../../tools/temporal-cli/wheel';

export const ROOT = join(__dirname, '..', '..');
/**
 * The checkout that is packed and whose package.json the matrix follows: this repo, or (to replay
 * the matrix against another commit, e.g. one before a fix) a built checkout named by RIVYA_INSTALL_FROM.
 */
export const PACKAGE_DIR = process.env.RIVYA_INSTALL_FROM ? resolve(process.env.RIVYA_INSTALL_FROM) : ROOT;
/** The app's files (worker, workflows, client, the ESM check), copied into each app. */
export const APP_FIXTURES = join(__dirname, 'app');

/** The SDK packages every app depends on, all at one exact version. */
export const SDK_PACKAGES = [
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/common',
  '@temporalio/plugin',
  '@temporalio/worker',
  '@temporalio/workflow',
] as const;

/** The public entry points: the package's `exports` (besides ./package.json) must hold each. */
export const PUBLIC_SUBPATHS = [
  '.',
  './workflow',
  './worker',
  './s3',
  './tracing',
  './metrics',
  './webhooks',
  './codec',
  './nexus',
  './testing',
  './simulator',
] as const;

/** The SDK release of the issue (#23): a backend on it installed our package and got two workflow copies. */
export const SKEWED_APP_SDK = '1.23.0';

export interface SdkVersions {
  /** The SDK the repo develops and tests with (devDependencies, else dependencies). */
  newest: string;
  /** The lowest version of the peer range `peerDependencies['@temporalio/workflow']` (`^1.X.Y` → 1.X.Y). */
  floor: string;
  /** Where `floor` came from: the peer range, or a note that there is none yet. */
  floorSource: string;
}

/** Read from the repo's package.json each run, so the matrix follows it. */
export function sdkVersions(): SdkVersions {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  const pinned = pkg.devDependencies?.['@temporalio/workflow'] ?? pkg.dependencies?.['@temporalio/workflow'];
  if (!pinned || !/^\d+\.\d+\.\d+$/.test(pinned))
    throw new Error(`package.json pins no exact @temporalio/workflow version (found ${pinned})`);
  const range = pkg.peerDependencies?.['@temporalio/workflow'];
  if (range === undefined) {
    // Before the SDK became a peer (issue #23): the issue's own version stands in for the floor.
    return {
      newest: pinned,
      floor: SKEWED_APP_SDK,
      floorSource: `no peerDependencies['@temporalio/workflow'] yet: ${SKEWED_APP_SDK}, the issue's`,
    };
  }
  const lowest = /^(?:\^|>=\s*)?(\d+\.\d+\.\d+)$/.exec(range.trim())?.[1];
  if (!lowest) throw new Error(`peerDependencies['@temporalio/workflow'] is "${range}": the matrix reads a ^1.X.Y range`);
  return { newest: pinned, floor: lowest, floorSource: `peerDependencies['@temporalio/workflow'] "${range}"` };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The tarball packs dist/ as built: refuse a dist/ older than the sources it comes from. */
export function assertBuilt(): void {
  const entry = join(PACKAGE_DIR, 'dist', 'src', 'index.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` before `npm run test:install`');
  const built = statSync(entry).mtimeMs;
  const sources = Math.max(...['src', 'workflows', 'activities', 'simulator', 'tools'].map((dir) => newestMtime(join(PACKAGE_DIR, dir))));
  if (sources > built) throw new Error('dist/ is older than the sources: run `npm run build` before `npm run test:install`');
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Runs a command to its end, killed (and reported as timed out) past `timeoutMs`. */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** Like `run`, but a non-zero exit or a timeout throws with the command's output. */
export async function runOk(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const how = result.timedOut ? `timed out after ${options.timeoutMs} ms` : `exited ${result.code ?? result.signal}`;
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) ${how}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}

/** At most `limit` of the functions given to it run at once. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}

/** `npm pack` of the package's checkout into `dir`: exactly what a registry would serve. */
export async function packRepo(dir: string): Promise<string> {
  const { stdout } = await runOk('npm', ['pack', '--json', '--pack-destination', dir], { cwd: PACKAGE_DIR, timeoutMs: 120_000 });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(dir, packed!.filename);
}

export interface NodeBinary {
  path: string;
  /** As `node --version` prints it, e.g. v22.23.5. */
  version: string;
}

/**
 * An official Node build of `major`: the registry's `node-<platform>-<arch>` package holds bin/node.
 * Kept in the binary cache (`<cache>/node/<version>/bin/node`); a cached build of that major is used
 * without asking the registry again.
 */
export async function ensureNode(major: number): Promise<NodeBinary> {
  const cache = join(binaryCacheDirectory(), 'node');
  const cached = existsSync(cache)
    ? readdirSync(cache)
        .filter((name) => name.startsWith(`${major}.`) && existsSync(join(cache, name, 'bin', 'node')))
        .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
    : [];
  let binary = cached[0] ? join(cache, cached[0], 'bin', 'node') : undefined;
  if (!binary) {
    const staging = join(cache, `.fetch-${major}-${process.pid}`);
    mkdirSync(staging, { recursive: true });
    try {
      const spec = `node-${process.platform}-${process.arch}@${major}`;
      const { stdout } = await runOk('npm', ['pack', spec, '--json', '--pack-destination', staging], { cwd: staging, timeoutMs: 300_000 });
      const [packed] = JSON.parse(stdout) as Array<{ filename: string; version: string }>;
      const unpacked = join(staging, 'unpacked');
      mkdirSync(unpacked);
      await runOk('tar', ['-xzf', join(staging, packed!.filename), '-C', unpacked, '--strip-components=1', 'package/bin/node'], {
        cwd: staging,
        timeoutMs: 120_000,
      });
      const final = join(cache, packed!.version);
      rmSync(final, { recursive: true, force: true });
      renameSync(unpacked, final);
      binary = join(final, 'bin', 'node');
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} is ${version}, not Node ${major}`);
  return { path: binary, version };
}

export interface InstallOptions {
  dir: string;
  sdk: string;
  tarball: string;
  /** npm flags besides --no-audit --no-fund. */
  npmFlags?: string[];
}

export interface InstalledApp {
  dir: string;
  sdk: string;
  installMs: number;
}

/** A throw-away app: its package.json (the SDK at one exact version + the tarball), its files, `npm install`. */
export async function installApp(options: InstallOptions): Promise<InstalledApp> {
  mkdirSync(options.dir, { recursive: true });
  const dependencies: Record<string, string> = Object.fromEntries(SDK_PACKAGES.map((name) => [name, options.sdk]));
  dependencies['rivya-sora2-temporal'] = `file:${options.tarball}`;
  writeFileSync(
    join(options.dir, 'package.json'),
    `${JSON.stringify({ name: 'install-matrix-app', private: true, dependencies }, null, 2)}\n`,
  );
  for (const file of ['worker.js', 'workflows.js', 'client.js']) copyFileSync(join(APP_FIXTURES, file), join(options.dir, file));
  const esm = join(options.dir, 'esm');
  mkdirSync(esm);
  writeFileSync(join(esm, 'package.json'), '{ "type": "module" }\n');
  copyFileSync(join(APP_FIXTURES, 'esm', 'check.js'), join(esm, 'check.js'));
  const { ms } = await runOk('npm', ['install', '--no-audit', '--no-fund', ...(options.npmFlags ?? [])], {
    cwd: options.dir,
    timeoutMs: 300_000,
  });
  return { dir: options.dir, sdk: options.sdk, installMs: ms };
}

/** Every installed package directory (nested copies included), relative to the app. */
export function installedPackages(appDir: string): string[] {
  const found: string[] = [];
  const walk = (nodeModules: string) => {
    if (!existsSync(nodeModules)) return;
    for (const entry of readdirSync(nodeModules)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((name) => join(entry, name)) : [entry];
      for (const name of names) {
        const dir = join(nodeModules, name);
        if (!existsSync(join(dir, 'package.json'))) continue;
        found.push(relative(appDir, dir));
        walk(join(dir, 'node_modules'));
      }
    }
  };
  walk(join(appDir, 'node_modules'));
  return found;
}

/** a < b: negative; numeric x.y.z only. */
export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i += 1) if (pa![i] !== pb![i]) return (pa![i] ?? 0) - (pb![i] ?? 0);
  return 0;
}

/** The @temporalio/* packages installed more than once: name → ["version at path", …]. */
export function sdkCopies(appDir: string): Record<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const dir of installedPackages(appDir)) {
    const name = /(@temporalio\/[^/]+)$/.exec(dir)?.[1];
    if (!name) continue;
    byName.set(name, [...(byName.get(name) ?? []), `${packageVersion(join(appDir, dir))} at ${dir}`]);
  }
  return Object.fromEntries([...byName].filter(([, found]) => found.length > 1));
}

export function packageVersion(dir: string): string | undefined {
  const file = join(dir, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
}

/**
 * Puts `@temporalio/workflow@version` at `<app>/node_modules/rivya-sora2-temporal/node_modules/`, as
 * npm nested it in issue #23: extracted from `npm pack` output (an `npm install` there would install
 * the whole package's dependency tree).
 */
export async function forceNestedWorkflow(appDir: string, version: string): Promise<string> {
  const target = join(appDir, 'node_modules', 'rivya-sora2-temporal', 'node_modules', '@temporalio', 'workflow');
  if (packageVersion(target) === version) return target;
  const staging = join(appDir, '.nested-workflow');
  mkdirSync(staging, { recursive: true });
  const { stdout } = await runOk('npm', ['pack', `@temporalio/workflow@${version}`, '--json', '--pack-destination', staging], {
    cwd: staging,
    timeoutMs: 120_000,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  await runOk('tar', ['-xzf', join(staging, packed!.filename), '-C', target, '--strip-components=1'], { cwd: staging, timeoutMs: 60_000 });
  rmSync(staging, { recursive: true, force: true });
  return target;
}

export type AppEvent = { event: string } & Record<string, unknown>;

/** A long-running app process (the worker): its JSON lines as events, waited on with a bound. */
export class AppProcess {
  readonly events: AppEvent[] = [];
  output = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<() => void>();

  constructor(node: string, script: string, cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          const parsed = JSON.parse(line) as AppEvent;
          if (parsed && typeof parsed.event === 'string') this.events.push(parsed);
        } catch {
          // not one of the app's event lines
        }
      }
      this.notify();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve();
      });
      this.child.once('error', (err) => {
        this.output += `\nspawn error: ${String(err)}`;
        this.exit = { code: null, signal: null };
        this.notify();
        resolve();
      });
    });
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** The first event matching `predicate`, or undefined when the process exits or `timeoutMs` passes first. */
  async waitForEvent(predicate: (event: AppEvent) => boolean, timeoutMs: number): Promise<AppEvent | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.events.find(predicate);
        if (found || this.exit) finish(found);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (value: AppEvent | undefined) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(value);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves when the process has exited, or false after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  /** SIGTERM (the worker drains), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    if (!(await this.waitForExit(graceMs))) {
      this.child.kill('SIGKILL');
      await this.waitForExit(5_000);
    }
  }
}

/** The JSON lines a short-lived app process printed. */
export function eventsOf(stdout: string): AppEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AppEvent];
      } catch {
        return [];
      }
    });
}

/**
 * The entry's weight: run in the app, requires `rivya-sora2-temporal` and prints the files that
 * loaded (relative to the app), as JSON.
 */
export const LOADED_FILES_SCRIPT = `
const before = new Set(Object.keys(require.cache));
require('rivya-sora2-temporal');
const loaded = Object.keys(require.cache).filter((file) => !before.has(file));
console.log(JSON.stringify(loaded.map((file) => require('node:path').relative(process.cwd(), file))));
`;

/** The package directory a loaded file belongs to: its path up to the last node_modules/<name> (or @scope/name). */
export function packageDirOf(file: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1];
}
