/**
 * A reference given as a path is read only from inside the worker's reference directory: the path
 * is resolved with symlinks followed, so `../` and links that point out are both refused.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import { referenceRejected } from './rejection';

export async function resolveLocalReference(path: string, referenceDirectory: string | undefined): Promise<string> {
  if (!referenceDirectory) {
    throw referenceRejected('reference.path: this worker accepts no local references (no reference directory configured)');
  }
  const root = await realpath(referenceDirectory);
  const candidate = isAbsolute(path) ? path : join(root, path);
  let resolved: string;
  try {
    resolved = await realpath(candidate);
  } catch {
    throw referenceRejected(`reference.path: no such file in the reference directory`);
  }
  if (!resolved.startsWith(root + sep)) throw referenceRejected('reference.path: outside the reference directory');
  if (!(await stat(resolved)).isFile()) throw referenceRejected('reference.path: not a regular file');
  return resolved;
}
