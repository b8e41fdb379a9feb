/**
 * The CLI's local tools use two optional peers of the library: `@temporalio/envconfig` (TEMPORAL_*
 * settings and profiles) and `@temporalio/testing` (the embedded dev server). A backend that
 * installed only the library has neither; the CLI then says what to install — at the version of the
 * application's own SDK — instead of failing on a bare MODULE_NOT_FOUND.
 */
import { findPackage } from '../worker/sdk-compat';
import { packageRoot } from '../package-root';

export const CLI_PEERS = ['@temporalio/envconfig', '@temporalio/testing'];

/** The CLI peers that are not installed, and the install command for them (empty when all are there). */
export function missingCliPeers(fromDir: string = packageRoot()): { missing: string[]; install: string } {
  const missing = CLI_PEERS.filter((name) => findPackage(name, fromDir) === undefined);
  const sdk = findPackage('@temporalio/client', fromDir)?.version;
  const install = `npm install --save-dev ${missing.map((name) => (sdk ? `${name}@${sdk}` : name)).join(' ')}`;
  return { missing, install };
}
