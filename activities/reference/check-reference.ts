/**
 * Every local check of a reference, in one function that the upload activity and the dry run
 * (src/client/estimate.ts) both call: a path is confined to the reference directory and read once;
 * a URL is downloaded through the SSRF guard (every redirect re-checked, bounded in size and time);
 * then the bytes' size, signature (magic bytes) and full image structure are checked. A refusal is
 * the same non-retryable ReferenceRejected the run ends with.
 */
import { readFile } from 'node:fs/promises';
import type { Sora2Reference } from '../../workflows/generation/input';
import { downloadReference, type DownloadedReference } from './download';
import { inspectImageBytes, type InspectedImage } from './inspect-image';
import { readLocalReference } from './local-reference';
import type { ReferenceUrlPolicy } from './url-guard';

export interface ReferenceSettings {
  /** Local references are read only from inside this directory. Unset: local paths are refused. */
  referenceDirectory?: string;
  urlPolicy?: ReferenceUrlPolicy;
}

export interface CheckedReference {
  /** The bytes that were inspected: the bytes an upload sends. */
  bytes: Buffer;
  name: string | null;
  image: InspectedImage;
  /** The reference input's field the checks speak of in their messages. */
  label: 'reference.path' | 'reference.url';
}

/** Reads (or downloads) the reference once into memory (≤ 10 MB + 1 byte) and checks it. */
export async function readAndCheckReference(
  reference: Sora2Reference,
  settings: ReferenceSettings,
  signal: AbortSignal,
): Promise<CheckedReference> {
  if ('path' in reference) {
    const { bytes, name } = await readLocalReference(reference.path, settings.referenceDirectory);
    return { bytes, name, image: inspectImageBytes(bytes, 'reference.path'), label: 'reference.path' };
  }
  let downloaded: DownloadedReference | undefined;
  try {
    downloaded = await downloadReference(reference.url, settings.urlPolicy ?? {}, signal);
    const bytes = await readFile(downloaded.path); // our own temp file, already capped by the download
    return { bytes, name: downloaded.name, image: inspectImageBytes(bytes, 'reference.url'), label: 'reference.url' };
  } finally {
    await downloaded?.dispose();
  }
}
