/**
 * Saves a video into a directory under the worker's save root. The workflow input only names a
 * relative directory; every segment below the root is created or checked here, and a symbolic link
 * anywhere on the way is refused, so an input cannot write outside the root. The file is written
 * under a partial name, synced, then renamed: a file at the final name is always complete. Its
 * record (./save-record.ts: task id, SHA-256, size) is renamed in next to it; a file at the final
 * name is reused only when that record proves it is this task's video, else it is replaced.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SaveTargetRejectedError } from './errors';
import { formatSaveRecord, readSaveRecord, saveRecordName } from './save-record';
import type { SaveRequest, SinkResult } from './saved';
import { VideoInspector, VideoRejectedError } from './video-inspector';

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
export async function confinedDirectory(root: string, relativePath: string): Promise<string> {
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

/**
 * The file at the final name, if an earlier attempt saved it for this task: its record names the
 * task, and the bytes on disk (re-read, not downloaded; opened without following a link) still have
 * the recorded size and SHA-256. Undefined for anything else, which the caller then replaces.
 */
async function provenExisting(path: string, recordPath: string, taskId: string, maxBytes: number): Promise<SinkResult | undefined> {
  const record = await readSaveRecord(recordPath);
  if (record?.taskId !== taskId) return undefined;
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stats = await handle.stat();
    // The size first: a file cut short or grown is not hashed at all.
    if (!stats.isFile() || stats.size !== record.bytes) return undefined;
    const inspector = new VideoInspector(maxBytes);
    // The bytes are only hashed and checked: they go nowhere.
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    // The stream owns the handle from here (see the write below); close() then finds it closed.
    await pipeline(handle.createReadStream(), inspector, discard);
    const video = inspector.result();
    const same = video.sha256 === record.sha256 && video.bytes === record.bytes && video.contentType === record.contentType;
    return same ? { ...video, location: path, reused: true } : undefined;
  } catch (err) {
    if (err instanceof VideoRejectedError) return undefined; // not a video we save: replaced
    throw err;
  } finally {
    await handle.close();
  }
}

/** Not a regular file (a link, a directory, a FIFO): refused rather than replaced or followed. */
async function refuseIfNotAFile(path: string, name: string): Promise<void> {
  const stats = await lstatOrUndefined(path);
  if (stats && !stats.isFile()) throw new SaveTargetRejectedError(`save.to: ${name} exists and is not a regular file`);
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function saveToDirectory(root: string, relativePath: string, taskId: string, request: SaveRequest): Promise<SinkResult> {
  const realRoot = await realpath(root);
  const directory = await confinedDirectory(realRoot, relativePath);
  const finalPath = join(directory, request.fileName);
  const recordName = saveRecordName(request.fileName);
  const recordPath = join(directory, recordName);
  const partialPrefix = `.${request.fileName}.partial-`;

  await refuseIfNotAFile(finalPath, request.fileName);
  await refuseIfNotAFile(recordPath, recordName);
  const proven = await provenExisting(finalPath, recordPath, taskId, request.maxBytes);
  if (proven) return proven;
  // Partial files of earlier attempts (a killed worker leaves one): never two files for one generation.
  for (const name of await readdir(directory)) {
    if (name.startsWith(partialPrefix)) await rm(join(directory, name), { force: true });
  }

  const partialPath = join(directory, `${partialPrefix}${request.attempt}`);
  // Under the same prefix: a killed attempt's partial record is removed with its partial video.
  const partialRecordPath = `${partialPath}.json`;
  // 'wx': created here, never opened through a link someone placed at that name.
  const handle = await open(partialPath, 'wx', 0o644);
  try {
    const inspector = new VideoInspector(request.maxBytes, request.onProgress);
    const source = await request.open();
    // The stream owns the handle: it fsyncs (`flush`) and closes it when the last byte is written.
    // (A stream made with autoClose: false keeps a reference that makes handle.close() wait forever.)
    await pipeline(source, inspector, handle.createWriteStream({ flush: true }), { signal: request.signal });
    const video = inspector.result();
    await writeFile(partialRecordPath, formatSaveRecord({ ...video, taskId }), { flag: 'wx', mode: 0o644, flush: true });
    // The video first, then its record: a crash in between leaves a record that does not match the
    // file (another task's, or none), so the next attempt replaces the file instead of trusting it.
    await rename(partialPath, finalPath);
    await rename(partialRecordPath, recordPath);
    await fsyncDirectory(directory);
    return { ...video, location: finalPath, reused: false };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(partialPath, { force: true });
    await rm(partialRecordPath, { force: true });
    throw err;
  }
}
