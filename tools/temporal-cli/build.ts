/**
 * Builds the Temporal CLI from its Go module. Our machines cannot reach Temporal's download site,
 * but they reach the Go module proxy; v1.5.1 is the newest release `go install` accepts (later
 * releases carry a `replace` directive). The build takes minutes on 2 cores, so it reports progress.
 */
import { join } from 'node:path';
import { goInstall, type ProgressLog } from './go-install';
import { goBinDirectory } from './locate';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export { isGoAvailable, type ProgressLog } from './go-install';

/** Runs `go install` and resolves with the path of the built binary. */
export async function buildTemporalCliWithGo(log: ProgressLog): Promise<string> {
  const target = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with 'go install ${target}' (a few minutes, once per machine)`);
  const started = Date.now();
  await goInstall([target], { log });
  const binary = join(goBinDirectory() ?? '', 'temporal');
  log(`built ${binary} in ${Math.round((Date.now() - started) / 1000)}s`);
  return binary;
}
