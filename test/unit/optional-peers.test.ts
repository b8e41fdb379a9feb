/**
 * Optional integrations name the package to install when it is missing (no server): the loader a
 * switched-on integration uses, and the check an integration's entry runs before loading anything.
 */
import { readFileSync } from 'node:fs';
import { assertPeersInstalled, requireOptional, Sora2MissingPeerError } from '../../src/internal/optional-module';
import { Sora2ConfigError } from '../../src/worker/settings';

describe('missing optional peers', () => {
  it('requireOptional names the package and how to install it', () => {
    expect(() => requireOptional('rivya-no-such-package', 'the feature')).toThrow(Sora2MissingPeerError);
    expect(() => requireOptional('rivya-no-such-package', 'the feature')).toThrow(
      'the feature needs the package rivya-no-such-package: not installed; npm install rivya-no-such-package',
    );
  });

  it('a Temporal package is to be installed at the application SDK version', () => {
    const { version } = JSON.parse(readFileSync(require.resolve('@temporalio/client/package.json'), 'utf8')) as { version: string };
    expect(() => requireOptional('@temporalio/no-such-package', 'x')).toThrow(`npm install @temporalio/no-such-package@${version} (`);
  });

  it('is a Sora2ConfigError (the CLI exits 2 on it)', () => {
    expect(() => assertPeersInstalled(['zod', 'rivya-no-such-package'], 'x')).toThrow(Sora2ConfigError);
  });

  it('passes installed packages and loads them', () => {
    expect(() => assertPeersInstalled(['zod', '@temporalio/client'], 'x')).not.toThrow();
    expect(requireOptional<typeof import('zod')>('zod', 'x').z).toBeDefined();
  });
});
