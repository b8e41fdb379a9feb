/**
 * The worker's save configuration at start, in one line when part of it is obviously unusable: a
 * warning, never a refusal (a worker that is never asked to save needs neither). Each generation's
 * target is checked for real before it is paid for (check-save-target.ts); this only says early
 * what those checks will refuse. Cheap by design: no AWS SDK load, no network.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SaveConfiguration {
  /** RIVYA_SAVE_DIR, if set. */
  saveDirectory?: string;
  /** A ready S3 client was handed over: it knows its own region, nothing to say. */
  s3ClientGiven?: boolean;
  /** The environment the AWS chain reads. */
  env: NodeJS.ProcessEnv;
  /** Whether a file exists (the AWS config file may name a region). */
  exists?: (path: string) => boolean;
}

/** The AWS chain may still find a region in its config file: only its absence is "obviously" no region. */
function mayHaveRegion(env: NodeJS.ProcessEnv, exists: (path: string) => boolean): boolean {
  if (env.AWS_REGION || env.AWS_DEFAULT_REGION) return true;
  return exists(env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'));
}

/** One line naming the targets this worker will refuse, or null when none obviously is. */
export function saveConfigurationWarning(config: SaveConfiguration): string | null {
  const refused: string[] = [];
  if (config.saveDirectory === undefined) refused.push('directories (RIVYA_SAVE_DIR is not set)');
  if (!config.s3ClientGiven && !mayHaveRegion(config.env, config.exists ?? existsSync))
    refused.push('s3:// (no AWS region: set AWS_REGION)');
  if (refused.length === 0) return null;
  return `save.to targets this worker will refuse before paying: ${refused.join('; ')}`;
}
