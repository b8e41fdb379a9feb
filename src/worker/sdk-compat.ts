/**
 * One Temporal SDK per worker. The SDK is the application's (a peer dependency): when a second copy
 * of `@temporalio/*` sits under this package — a forced install, an old lockfile, a monorepo with two
 * versions — the workflow bundle holds two `@temporalio/workflow` copies, and workflow tasks fail
 * (`Cannot read private member #cancelRequested …`) only *after* the paid create activity completed:
 * a paid run, stuck forever. So a worker refuses to start on such an install, naming both versions.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import satisfies from 'semver/functions/satisfies';
import { packageRoot } from '../internal/package-root';
import { Sora2ConfigError } from './settings';

export class Sora2SdkVersionError extends Sora2ConfigError {
  override readonly name = 'Sora2SdkVersionError';
}

/** The SDK packages whose single copy the library relies on (workflow bundle, activity context, failure classes). */
const SDK_PACKAGES = ['@temporalio/workflow', '@temporalio/activity', '@temporalio/common', '@temporalio/worker', '@temporalio/client'];

export interface FoundPackage {
  name: string;
  version: string;
  /** Real path of the package's folder (symlinks resolved, so pnpm's links compare equal). */
  dir: string;
}

/** The package `name` as Node resolves it from `fromDir`, or undefined when it is not installed there. */
export function findPackage(name: string, fromDir: string): FoundPackage | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [fromDir] });
  } catch {
    return undefined;
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { name, version, dir: realpathSync(dirname(manifest)) };
}

/** The supported SDK range: this package's peer range of `@temporalio/workflow` (one source: package.json). */
export function supportedSdkRange(): string {
  const manifest = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { peerDependencies?: Record<string, string> };
  const range = manifest.peerDependencies?.['@temporalio/workflow'];
  if (!range) throw new Error('rivya-sora2-temporal: package.json declares no @temporalio/workflow peer range');
  return range;
}

const FIX =
  'Fix: install one version of every @temporalio/* package in your application (npm ls @temporalio/workflow shows the copies; ' +
  'align the versions in package.json, then reinstall — never with --force or --legacy-peer-deps, which leave a second copy).';

function describe(found: FoundPackage): string {
  return `${found.name} ${found.version} at ${found.dir}`;
}

/**
 * Throws Sora2SdkVersionError unless the worker would run on one SDK copy inside the supported range.
 * `appDir` is where the application's workflow code lives (the worker's `workflowsPath` folder): the
 * bundle resolves `@temporalio/workflow` from there, while this package's workflow code resolves it
 * from this package's folder.
 */
export function assertOneTemporalSdk(appDir: string, ownDir: string = packageRoot(), range: string = supportedSdkRange()): void {
  const ours = SDK_PACKAGES.map((name) => findPackage(name, ownDir)).filter((found) => found !== undefined);
  const appWorker = findPackage('@temporalio/worker', appDir);
  // The application's copies: workflow from its workflows folder; activity and common as its worker sees them.
  const theirs = [
    findPackage('@temporalio/workflow', appDir),
    ...(appWorker ? [appWorker, findPackage('@temporalio/activity', appWorker.dir), findPackage('@temporalio/common', appWorker.dir)] : []),
  ].filter((found) => found !== undefined);

  for (const app of theirs) {
    const own = ours.find((found) => found.name === app.name);
    if (own && own.dir !== app.dir) {
      throw new Sora2SdkVersionError(
        `rivya-sora2-temporal will not start this worker: it would run two copies of ${app.name} — ${describe(app)} (the application's) ` +
          `and ${describe(own)} (resolved by rivya-sora2-temporal). Workflow tasks would fail after the paid create. ${FIX}`,
      );
    }
  }
  const all = [...ours, ...theirs];
  for (const found of all) {
    if (!satisfies(found.version, range)) {
      throw new Sora2SdkVersionError(
        `rivya-sora2-temporal supports the Temporal TypeScript SDK ${range}, but found ${describe(found)}. ` +
          `Fix: upgrade every @temporalio/* package of your application to one version in ${range}.`,
      );
    }
  }
  const versions = [...new Set(all.map((found) => found.version))];
  if (versions.length > 1) {
    throw new Sora2SdkVersionError(
      `rivya-sora2-temporal will not start this worker: the Temporal SDK packages differ in version (${all.map(describe).join('; ')}). ${FIX}`,
    );
  }
}
