/**
 * A reference given as a path is read only from inside the worker's reference directory, and it is
 * read exactly once: the bytes that are inspected are the bytes that are uploaded, so swapping the
 * file after the check (for a symlink, a FIFO, another file) changes nothing.
 *
 *   1. The path is confined lexically first, so a path outside the directory is refused without
 *      touching the filesystem (nothing reveals whether such a path exists).
 *   2. Symlinks inside the directory are resolved once; the result must still be inside.
 *   3. The resolved path is opened once with O_NOFOLLOW (a symlink swapped in at the last component
 *      fails) and O_NONBLOCK (a FIFO swapped in cannot block the I/O thread pool), and the open
 *      descriptor must be a regular file (fstat) that, by its /proc/self/fd link, still lies inside
 *      the directory (a directory component swapped for a symlink is caught here).
 *   4. At most MAX_REFERENCE_BYTES + 1 bytes are read from that descriptor.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MAX_REFERENCE_BYTES } from '../../src/contract/models';
import { referenceRejected } from './rejection';

/**
 * Says how to fix it (the first path a newcomer types is often one relative to their shell) without
 * naming the directory: the caller reads this in history, and where the worker keeps its files is
 * not the caller's to learn. The operator knows RIVYA_REFERENCE_DIR.
 */
const NOT_FOUND =
  "reference.path: no such file in the worker's reference directory; put the image there " +
  '(RIVYA_REFERENCE_DIR; with rivya-sora2 dev: ./.rivya-dev/references) and pass its path relative to that directory';
const OUTSIDE = 'reference.path: outside the reference directory';

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/** The confined, symlink-resolved path of a local reference (it may change before it is opened). */
export async function resolveLocalReference(path: string, referenceDirectory: string | undefined): Promise<string> {
  if (!referenceDirectory) {
    throw referenceRejected('reference.path: this worker accepts no local references (no reference directory configured)');
  }
  const root = await realpath(referenceDirectory);
  const lexical = resolve(root, path);
  if (!isInside(root, lexical)) throw referenceRejected(OUTSIDE);
  let resolved: string;
  try {
    resolved = await realpath(lexical);
  } catch {
    throw referenceRejected(NOT_FOUND);
  }
  if (!isInside(root, resolved)) throw referenceRejected(OUTSIDE);
  return resolved;
}

export interface LocalReferenceBytes {
  bytes: Buffer;
  name: string;
}

/** Where an open descriptor really points (Linux); undefined where /proc is not available. */
async function descriptorPath(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Confines, opens once and reads a local reference (bounded); see the module comment. */
export async function readLocalReference(path: string, referenceDirectory: string | undefined): Promise<LocalReferenceBytes> {
  const resolved = await resolveLocalReference(path, referenceDirectory);
  const root = await realpath(referenceDirectory!);
  let handle;
  try {
    handle = await open(resolved, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw referenceRejected('reference.path: the file was replaced by a link while being read');
    throw referenceRejected(NOT_FOUND);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw referenceRejected('reference.path: not a regular file');
    const actual = await descriptorPath(handle.fd);
    if (actual !== undefined && !isInside(root, actual)) throw referenceRejected(OUTSIDE);
    // Read one byte past the limit, so "too large" is decided on what was read, not on a stat.
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_REFERENCE_BYTES) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: buffer.subarray(0, filled), name: resolved.split(sep).pop()! };
  } finally {
    await handle.close();
  }
}
