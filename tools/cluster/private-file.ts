/**
 * Writes a file only its owner may read or write (0600), every time. `writeFileSync`'s `mode`
 * applies only when it creates the file: a config or state file left by an earlier run, an older
 * version or a killed write keeps whatever mode it had, and these hold the database password. So
 * the text goes to a new file made here (`wx`: never one that already exists, never through a link),
 * set to exactly 0600 whatever the umask, then renamed over the target.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export const PRIVATE_FILE_MODE = 0o600;

export function writePrivateFile(path: string, text: string): void {
  const partial = `${path}.partial-${process.pid}`;
  // A killed write of this pid's may have left one (with any mode): 'wx' below needs it gone.
  rmSync(partial, { force: true });
  const fd = openSync(partial, 'wx', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(partial, path);
}
