/**
 * Optional integrations (tracing, Nexus, S3 saving, the local dev tools) depend on packages the
 * application installs only when it uses them — optional peer dependencies. They are loaded here, at
 * the moment an integration is switched on, so importing the library never loads them, and a missing
 * one fails with the package to install instead of a bare MODULE_NOT_FOUND.
 */
import { Sora2ConfigError } from '../worker-settings';

export class Sora2MissingPeerError extends Sora2ConfigError {
  override readonly name = 'Sora2MissingPeerError';
  constructor(
    readonly packageName: string,
    readonly feature: string,
    hint: string,
  ) {
    super(`${feature} needs the package ${packageName}, which is not installed: ${hint}`);
  }
}

/** `npm install …` advice; Temporal packages must match the application's own SDK version. */
function installHint(packageName: string): string {
  if (!packageName.startsWith('@temporalio/')) return `npm install ${packageName}`;
  return `npm install ${packageName}@<the version of your @temporalio/client> (Temporal's packages must all be one version)`;
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
