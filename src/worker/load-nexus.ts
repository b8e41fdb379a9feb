/** The Nexus service handler of the plugin's `nexus` option, loaded only when it is switched on (optional peers). */
import type { Sora2NexusOptions } from '../nexus/options';
import { assertNexusPeers } from '../internal/optional-module';

export function nexusServicesOf(option: boolean | Sora2NexusOptions | undefined) {
  if (!option) return undefined;
  assertNexusPeers('Sora2Plugin({ nexus })');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred until Nexus is switched on
  const nexus = require('../nexus') as typeof import('../nexus');
  return [nexus.createSora2NexusServiceHandler(option === true ? {} : option)];
}
