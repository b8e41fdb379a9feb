/**
 * Cheap structural checks beyond the signature, so a truncated or padded-out image is caught before
 * it is uploaded: PNG must open with IHDR and close with IEND, JPEG must close with EOI, and a
 * WebP's RIFF length must match the file. Pure: the caller reads the first and last bytes.
 */
import type { SniffedMime } from './sniff';

/** Bytes to read from the end of the file. */
export const TAIL_BYTES = 64;

const PNG_IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function endsWith(bytes: Uint8Array, suffix: readonly number[]): boolean {
  if (bytes.length < suffix.length) return false;
  const start = bytes.length - suffix.length;
  return suffix.every((byte, i) => bytes[start + i] === byte);
}

/** Returns a reason the image is malformed, or undefined when it looks whole. */
export function imageStructureProblem(mime: SniffedMime, head: Uint8Array, tail: Uint8Array, sizeBytes: number): string | undefined {
  switch (mime) {
    case 'image/png':
      if (head.length < 16 || ascii(head, 12, 4) !== 'IHDR') return 'PNG without an IHDR header chunk';
      if (!endsWith(tail, PNG_IEND)) return 'PNG is truncated (no IEND chunk at the end)';
      return undefined;
    case 'image/jpeg': {
      // EOI (FF D9) closes a JPEG; tolerate a little trailing padding some encoders add.
      for (let i = tail.length - 2; i >= 0; i -= 1) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return undefined;
      return 'JPEG is truncated (no end-of-image marker)';
    }
    case 'image/webp': {
      if (head.length < 16 || !['VP8 ', 'VP8L', 'VP8X'].includes(ascii(head, 12, 4))) return 'WebP without a VP8 chunk';
      const riffLength = (head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24)) >>> 0;
      if (riffLength + 8 !== sizeBytes) return `WebP length field says ${riffLength + 8} bytes, file has ${sizeBytes}`;
      return undefined;
    }
    default:
      return `${mime} is not an image`;
  }
}
