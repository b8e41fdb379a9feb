/** Decides whether bytes are an acceptable reference image: size, signature, then full structure. */
import { IMAGE_MIME_TYPES, MAX_REFERENCE_BYTES } from '../../src/contract/models';
import { inspectImageStructure } from '../../src/internal/media/image-structure';
import { sniffMime, type SniffedMime } from '../../src/internal/media/sniff';
import { referenceRejected } from './rejection';

export interface InspectedImage {
  mimeType: SniffedMime;
  sizeBytes: number;
  width: number;
  height: number;
}

export function inspectImageBytes(bytes: Uint8Array, label: string): InspectedImage {
  const size = bytes.length;
  if (size === 0) throw referenceRejected(`${label}: the file is empty`);
  if (size > MAX_REFERENCE_BYTES) throw referenceRejected(`${label}: over the ${MAX_REFERENCE_BYTES}-byte limit`);
  const mime = sniffMime(bytes);
  if (!mime || !(IMAGE_MIME_TYPES as readonly string[]).includes(mime)) {
    throw referenceRejected(`${label}: not a JPEG, PNG or WebP image (checked by its signature, not its name)`);
  }
  const structure = inspectImageStructure(mime, bytes);
  if (!structure.ok) throw referenceRejected(`${label}: ${structure.problem}`);
  return { mimeType: mime, sizeBytes: size, width: structure.width, height: structure.height };
}
