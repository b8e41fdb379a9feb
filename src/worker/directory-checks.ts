/**
 * The worker's directories as it is about to use them, checked when a worker is configured: a wrong
 * RIVYA_REFERENCE_DIR or RIVYA_SAVE_DIR fails the start, not every upload or the save at the end of a
 * paid generation. The path is the operator's own setting (no secret), so the message names it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { Sora2SettingsError } from './config-error';

/** The reference directory: it must exist and be a directory the worker can list and read. */
export function checkReferenceDirectory(directory: string | undefined, variable = 'RIVYA_REFERENCE_DIR'): void {
  if (directory === undefined) return;
  let problem: string | undefined;
  try {
    if (!statSync(directory).isDirectory()) problem = 'is not a directory';
    else accessSync(directory, constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problem =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'is not readable by the worker'
          : `cannot be read (${code ?? 'error'})`;
  }
  if (problem === undefined) return;
  throw new Sora2SettingsError(
    `invalid Rivya settings: ${variable} must be an existing directory the worker can read; ${JSON.stringify(directory)} ${problem}`,
    [variable],
  );
}

/** The save directory: an existing directory the worker can write to. */
export function checkSaveDirectory(directory: string | undefined): void {
  if (directory === undefined) return;
  let problem: string | undefined;
  try {
    if (!statSync(directory).isDirectory()) problem = 'is not a directory';
    else accessSync(directory, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : 'is not writable by the worker';
  }
  if (problem === undefined) return;
  throw new Sora2SettingsError(
    `invalid Rivya settings: RIVYA_SAVE_DIR must be an existing directory the worker can write to; ${JSON.stringify(directory)} ${problem}`,
    ['RIVYA_SAVE_DIR'],
  );
}
