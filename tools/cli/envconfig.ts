/**
 * TEMPORAL_* settings and profiles through `@temporalio/envconfig`, an optional peer of the library:
 * loaded when a command connects, so `rivya-sora2 replay h.json` or `--help` work without it, and a
 * command that needs it names the package to install.
 */
import type { loadClientConnectConfig as LoadClientConnectConfig } from '@temporalio/envconfig';
import { requireOptional } from '../../src/internal/optional-module';

export const loadClientConnectConfig: typeof LoadClientConnectConfig = (...args) =>
  requireOptional<typeof import('@temporalio/envconfig')>(
    '@temporalio/envconfig',
    'connecting to Temporal from TEMPORAL_* settings',
  ).loadClientConnectConfig(...args);
