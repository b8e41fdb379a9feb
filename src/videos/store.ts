/**
 * Our saved copies, as this endpoint sees them: the worker saves each video to
 * `<save root>/<saveTo>/<savedFileName(id)>` (its `save.to` directory sink); this endpoint reads it
 * from the same file system (same host or a shared volume). DELETE removes the copy and its save
 * record and leaves a marker (`.deleted/<id>`), so the video then reads as deleted, not as missing.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { parseSaveTarget, savedFileName } from '../contract/save-target';
import { saveRecordName } from '../storage/save-record';
import { VideosConfigError } from './auth';

export const DEFAULT_VIDEOS_SAVE_TO = 'openai-videos';
const DELETED_MARKERS = '.deleted';

export class SavedVideos {
  private readonly directory: string;
  constructor(
    private readonly root: string,
    /** `save.to` of every generation this endpoint starts (relative to the worker's save root). */
    readonly saveTo: string = DEFAULT_VIDEOS_SAVE_TO,
  ) {
    const target = parseSaveTarget(saveTo);
    if (!target.ok || target.target.kind !== 'directory' || target.target.path === '')
      throw new VideosConfigError('saveTo must be a relative directory under the save directory (e.g. "openai-videos")');
    if (!isAbsolute(root)) throw new VideosConfigError("the save directory must be an absolute path (the worker's RIVYA_SAVE_DIR)");
    this.directory = join(root, target.target.path);
  }

  private videoPath(id: string): string {
    return join(this.directory, savedFileName(id));
  }

  private markerPath(id: string): string {
    return join(this.directory, DELETED_MARKERS, id);
  }

  async isDeleted(id: string): Promise<boolean> {
    return stat(this.markerPath(id)).then(
      () => true,
      () => false,
    );
  }

  /** The saved file opened for streaming, or undefined when it is not there (or escapes the save root). */
  async open(id: string): Promise<{ stream: ReadStream; bytes: number } | undefined> {
    const path = this.videoPath(id);
    try {
      const [root, resolved] = await Promise.all([realpath(this.root), realpath(path)]);
      const rel = relative(root, resolved);
      if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return undefined;
      const info = await stat(resolved);
      if (!info.isFile()) return undefined;
      return { stream: createReadStream(resolved), bytes: info.size };
    } catch {
      return undefined;
    }
  }

  /** Removes our copy and its save record, then marks the id deleted; whether a copy was there. */
  async remove(id: string): Promise<boolean> {
    const path = this.videoPath(id);
    const existed = await stat(path).then(
      () => true,
      () => false,
    );
    await rm(path, { force: true });
    await rm(join(this.directory, saveRecordName(savedFileName(id))), { force: true });
    await mkdir(join(this.directory, DELETED_MARKERS), { recursive: true, mode: 0o700 });
    await writeFile(this.markerPath(id), `${new Date().toISOString()}\n`);
    return existed;
  }
}
