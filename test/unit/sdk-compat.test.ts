/**
 * The one-SDK guard on real directory layouts (no server): npm's nesting of a second
 * `@temporalio/workflow` under this package — the install that paid for a task and then hung — is
 * refused with both versions named; one copy in range passes; a copy outside the range is refused.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertOneTemporalSdk, findPackage, Sora2SdkVersionError } from '../../src/worker/sdk-compat';

const SDK = ['workflow', 'activity', 'common', 'worker', 'client'];

function writePackage(nodeModules: string, name: string, version: string): void {
  const dir = join(nodeModules, ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), '');
}

/** An application: its SDK at `appVersion`, this package installed beside it, its workflows folder. */
function layout(appVersion: string, nested: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'sdk-compat-'));
  const modules = join(root, 'node_modules');
  for (const name of SDK) writePackage(modules, `@temporalio/${name}`, appVersion);
  const ownDir = join(modules, 'rivya-sora2-temporal');
  writePackage(modules, 'rivya-sora2-temporal', '0.1.0');
  for (const [name, version] of Object.entries(nested)) writePackage(join(ownDir, 'node_modules'), name, version);
  const appDir = join(root, 'src');
  mkdirSync(appDir);
  return { root, ownDir, appDir };
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function errorOf(run: () => void): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the guard to refuse');
}

describe('assertOneTemporalSdk', () => {
  it('passes one SDK copy inside the range', () => {
    const { root, ownDir, appDir } = layout('1.23.0');
    roots.push(root);
    expect(() => assertOneTemporalSdk(appDir, ownDir, '^1.15.0')).not.toThrow();
  });

  it('refuses a second @temporalio/workflow nested under the package, naming both versions and the fix', () => {
    const { root, ownDir, appDir } = layout('1.23.0', { '@temporalio/workflow': '1.24.0' });
    roots.push(root);
    const error = errorOf(() => assertOneTemporalSdk(appDir, ownDir, '^1.15.0'));
    expect(error).toBeInstanceOf(Sora2SdkVersionError);
    expect(error.message).toContain('two copies of @temporalio/workflow');
    expect(error.message).toContain('@temporalio/workflow 1.23.0');
    expect(error.message).toContain('@temporalio/workflow 1.24.0');
    expect(error.message).toMatch(/Fix: install one version of every @temporalio\/\* package/);
  });

  it('refuses a nested @temporalio/activity (the activity context would be read from a copy the worker never set)', () => {
    const { root, ownDir, appDir } = layout('1.24.0', { '@temporalio/activity': '1.24.0' });
    roots.push(root);
    expect(errorOf(() => assertOneTemporalSdk(appDir, ownDir, '^1.15.0')).message).toContain('two copies of @temporalio/activity');
  });

  it('refuses an SDK below the supported range', () => {
    const { root, ownDir, appDir } = layout('1.14.0');
    roots.push(root);
    const error = errorOf(() => assertOneTemporalSdk(appDir, ownDir, '^1.15.0'));
    expect(error).toBeInstanceOf(Sora2SdkVersionError);
    expect(error.message).toContain('supports the Temporal TypeScript SDK ^1.15.0');
    expect(error.message).toContain('1.14.0');
  });

  it('refuses SDK packages of different versions even without nesting', () => {
    const { root, ownDir, appDir } = layout('1.24.0');
    roots.push(root);
    writePackage(join(root, 'node_modules'), '@temporalio/client', '1.23.0');
    expect(errorOf(() => assertOneTemporalSdk(appDir, ownDir, '^1.15.0')).message).toContain('differ in version');
  });

  it('passes on this repository, where one SDK is installed', () => {
    expect(() => assertOneTemporalSdk(join(__dirname, '..', '..', 'src', 'worker'))).not.toThrow();
    expect(findPackage('@temporalio/workflow', __dirname)?.version).toMatch(/^1\.\d+\.\d+$/);
  });
});
