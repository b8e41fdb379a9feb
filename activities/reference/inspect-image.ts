/** Reads only the first and last bytes of a file to decide whether it is an acceptable reference. */
import { open } from 'node:fs/promises';
import { IMAGE_MIME_TYPES, MAX_REFERENCE_BYTES } from '../../src/rivya/models';
import { imageStructureProblem, TAIL_BYTES } from '../../src/media/image-structure';
import { sniffMime, SNIFF_BYTES, type SniffedMime } from '../../src/media/sniff';
import { referenceRejected } from './rejection';

export interface InspectedImage {
  mimeType: SniffedMime;
  sizeBytes: number;
}

export async function inspectImageFile(path: string, label: string): Promise<InspectedImage> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw referenceRejected(`${label}: the file is empty`);
    if (size > MAX_REFERENCE_BYTES) throw referenceRejected(`${label}: ${size} bytes is over the ${MAX_REFERENCE_BYTES}-byte limit`);
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(TAIL_BYTES, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    const mime = sniffMime(head);
    if (!mime || !(IMAGE_MIME_TYPES as readonly string[]).includes(mime)) {
      throw referenceRejected(`${label}: not a JPEG, PNG or WebP image (checked by its signature, not its name)`);
    }
    const problem = imageStructureProblem(mime, head, tail, size);
    if (problem) throw referenceRejected(`${label}: ${problem}`);
    return { mimeType: mime, sizeBytes: size };
  } finally {
    await handle.close();
  }
}
