/**
 * Saves a video into a directory under the worker's save root. The workflow input only names a
 * relative directory; every segment below the root is created or checked here, and a symbolic link
 * anywhere on the way is refused, so an input cannot write outside the root. The file is written
 * under a partial name, synced, then renamed: a file at the final name is always complete.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SaveTargetRejectedError } from './errors';
import type { SaveRequest, SinkResult } from './saved';
import { VideoInspector } from './video-inspector';

function isInsideOrSame(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The target directory, created segment by segment below the root, never through a symbolic link. */
async function confinedDirectory(root: string, relativePath: string): Promise<string> {
  let current = root;
  for (const segment of relativePath === '' ? [] : relativePath.split('/')) {
    current = join(current, segment);
    let stats = await lstatOrUndefined(current);
    if (!stats) {
      await mkdir(current).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err; // another attempt made it meanwhile: checked below
      });
      stats = await lstat(current);
    }
    if (stats.isSymbolicLink()) throw new SaveTargetRejectedError(`save.to: ${relativePath} passes through a symbolic link`);
    if (!stats.isDirectory()) throw new SaveTargetRejectedError(`save.to: ${relativePath} is not a directory`);
  }
  // Belt and braces: whatever happened on the way, the directory resolves inside the root.
  if (!isInsideOrSame(root, await realpath(current)))
    throw new SaveTargetRejectedError(`save.to: ${relativePath} leaves the save directory`);
  return current;
}

/** A file an earlier attempt renamed into place: re-read and re-checked from disk (no download). */
async function inspectExisting(path: string, maxBytes: number): Promise<SinkResult> {
  const inspector = new VideoInspector(maxBytes);
  // The bytes are only hashed and checked: they go nowhere.
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  await pipeline(createReadStream(path), inspector, discard);
  return { ...inspector.result(), location: path, reused: true };
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function saveToDirectory(root: string, relativePath: string, request: SaveRequest): Promise<SinkResult> {
  const realRoot = await realpath(root);
  const directory = await confinedDirectory(realRoot, relativePath);
  const finalPath = join(directory, request.fileName);
  const partialPrefix = `.${request.fileName}.partial-`;

  const existing = await lstatOrUndefined(finalPath);
  if (existing) {
    if (!existing.isFile()) throw new SaveTargetRejectedError(`save.to: ${request.fileName} exists and is not a regular file`);
    return inspectExisting(finalPath, request.maxBytes);
  }
  // Partial files of earlier attempts (a killed worker leaves one): never two files for one generation.
  for (const name of await readdir(directory)) {
    if (name.startsWith(partialPrefix)) await rm(join(directory, name), { force: true });
  }

  const partialPath = join(directory, `${partialPrefix}${request.attempt}`);
  // 'wx': created here, never opened through a link someone placed at that name.
  const handle = await open(partialPath, 'wx', 0o644);
  try {
    const inspector = new VideoInspector(request.maxBytes, request.onProgress);
    const source = await request.open();
    // The stream owns the handle: it fsyncs (`flush`) and closes it when the last byte is written.
    // (A stream made with autoClose: false keeps a reference that makes handle.close() wait forever.)
    await pipeline(source, inspector, handle.createWriteStream({ flush: true }), { signal: request.signal });
    await rename(partialPath, finalPath);
    await fsyncDirectory(directory);
    return { ...inspector.result(), location: finalPath, reused: false };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(partialPath, { force: true });
    throw err;
  }
}
