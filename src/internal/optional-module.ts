/**
 * Optional integrations (tracing, Nexus, S3 saving, the local dev tools) depend on packages the
 * application installs only when it uses them — optional peer dependencies. They are loaded here, at
 * the moment an integration is switched on, so importing the library never loads them, and a missing
 * one fails with the package to install instead of a bare MODULE_NOT_FOUND.
 */
import { Sora2ConfigError } from '../worker/settings';

export class Sora2MissingPeerError extends Sora2ConfigError {
  override readonly name = 'Sora2MissingPeerError';
  constructor(
    readonly packageName: string,
    readonly feature: string,
    hint: string,
  ) {
    super(`${feature} needs the package ${packageName}: ${hint}`);
  }
}

/** `npm install …` advice; Temporal packages must match the application's own SDK version. */
function installHint(packageName: string): string {
  if (!packageName.startsWith('@temporalio/')) return `not installed; npm install ${packageName}`;
  return `not installed; npm install ${packageName}@${applicationSdkVersion() ?? '<the version of your @temporalio/client>'} (Temporal's packages must all be one version)`;
}

function applicationSdkVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a manifest read, for the message only
    return (require('@temporalio/client/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

function isMissing(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // Only the package itself being absent: a module missing *inside* it is a different, real error.
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${packageName}'`);
}

/**
 * `require(packageName)` for an optional integration. The caller casts the result with
 * `typeof import('…')`, so the types stay checked while nothing is loaded at import time.
 */
export function requireOptional<T>(packageName: string, feature: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, by design (see above)
    return require(packageName) as T;
  } catch (error) {
    if (isMissing(error, packageName)) throw new Sora2MissingPeerError(packageName, feature, installHint(packageName));
    throw error;
  }
}

/**
 * Fails with Sora2MissingPeerError for the first of `packageNames` that is not installed. An entry
 * of an optional integration calls it before loading anything, so importing that entry without its
 * peers says what to install instead of a bare MODULE_NOT_FOUND from deep inside.
 */
export function assertPeersInstalled(packageNames: readonly string[], feature: string): void {
  for (const name of packageNames) {
    try {
      require.resolve(name);
    } catch {
      throw new Sora2MissingPeerError(name, feature, installHint(name));
    }
  }
}

/** The SDK's Nexus packages match nexus-rpc 0.0.3, which our handler is written against, only from 1.23.0. */
export const MIN_NEXUS_SDK_VERSION = '1.23.0';

/**
 * Nexus needs `nexus-rpc` and `@temporalio/nexus` ≥ 1.23.0. The peer ranges are wider (an older SDK
 * brings its own older copies, and a narrower range would make npm nest a stray second SDK beside
 * them), so the version is checked here, when Nexus is switched on.
 */
export function assertNexusPeers(feature: string): void {
  assertPeersInstalled(['nexus-rpc', '@temporalio/nexus'], feature);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a manifest read, on use
  const { version } = require('@temporalio/nexus/package.json') as { version: string };
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = MIN_NEXUS_SDK_VERSION.split('.').map(Number);
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    throw new Sora2MissingPeerError(
      '@temporalio/nexus',
      feature,
      `found ${version}; Nexus needs the Temporal SDK ${MIN_NEXUS_SDK_VERSION} or newer (upgrade every @temporalio/* package together)`,
    );
  }
}
