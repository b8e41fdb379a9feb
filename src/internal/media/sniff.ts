/**
 * Media type from a file's signature (magic bytes), never from its name — the same rule Rivya's
 * Files API applies (D5). Pure and dependency-free: the upload activity and the simulator share it.
 */

export type SniffedMime =
  | 'image/jpeg'
  | 'image/png'
  | 'image/webp'
  | 'video/mp4'
  | 'video/quicktime'
  | 'video/webm'
  | 'audio/mpeg'
  | 'audio/mp4'
  | 'audio/wav'
  | 'audio/aac'
  | 'audio/ogg';

export type MediaKind = 'image' | 'video' | 'audio';

/** Bytes needed to recognise every supported signature. */
export const SNIFF_BYTES = 16;

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

export function sniffMime(bytes: Uint8Array): SniffedMime | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF') {
    const format = ascii(bytes, 8, 4);
    if (format === 'WEBP') return 'image/webp';
    if (format === 'WAVE') return 'audio/wav';
    return undefined;
  }
  if (bytes.length >= 12 && ascii(bytes, 4, 4) === 'ftyp') {
    const brand = ascii(bytes, 8, 4);
    if (brand === 'qt  ') return 'video/quicktime';
    if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
    return 'video/mp4';
  }
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  if (startsWith(bytes, [0x4f, 0x67, 0x67, 0x53])) return 'audio/ogg';
  if (startsWith(bytes, [0x49, 0x44, 0x33])) return 'audio/mpeg';
  if (bytes.length >= 2 && bytes[0] === 0xff) {
    const second = bytes[1]!;
    if (second === 0xf1 || second === 0xf9) return 'audio/aac';
    if ((second & 0xe0) === 0xe0) return 'audio/mpeg';
  }
  return undefined;
}

export function kindOfMime(mime: SniffedMime): MediaKind {
  return mime.slice(0, mime.indexOf('/')) as MediaKind;
}
