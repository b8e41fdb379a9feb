/**
 * Full structural checks of a reference image, so that only a well-formed JPEG, PNG or WebP of a
 * plausible size is ever uploaded (and paid for). Checking the signature and the last bytes is not
 * enough: HTML/ZIP polyglots, megabytes of garbage between chunks, and absurd dimensions all pass
 * such a check. So each container is walked end to end:
 *   - PNG: every chunk's length and CRC-32, IHDR first, at least one IDAT, IEND last, nothing after;
 *   - JPEG: every marker segment up to and between scans (SOF before SOS), entropy-coded data up to
 *     EOI, nothing after it but zero padding;
 *   - WebP: the RIFF length equals the file, every chunk fits, a VP8/VP8L bitstream header is present.
 * Dimensions come from the container (IHDR, SOFn, VP8/VP8L/VP8X) and are bounded by
 * REFERENCE_IMAGE_LIMITS (docs/rivya-contract.md S11). Pure and bounded: the caller hands in the whole
 * file, which it has already capped at MAX_REFERENCE_BYTES.
 *
 * Why not a library: image-size/probe-style packages read dimensions from the first bytes and
 * deliberately stop there; none validates chunk CRCs, segment lengths or trailing data, which is
 * exactly what this module is for. CRC-32 comes from node:zlib.
 */
import { crc32 } from 'node:zlib';
import type { SniffedMime } from './sniff';

/** S11: what we assume Rivya accepts as a reference image (its docs state only bytes and types). */
export const REFERENCE_IMAGE_LIMITS = {
  minSidePx: 16,
  maxSidePx: 8192,
  maxPixels: 33_554_432, // 32 MP: any larger reference is far beyond Sora 2's output sizes.
  /** Bytes of metadata (ancillary PNG chunks, JPEG APPn/COM, unknown WebP chunks) tolerated in total. */
  maxMetadataBytes: 2 * 1024 * 1024,
} as const;

export type ImageStructure = { ok: true; width: number; height: number } | { ok: false; problem: string };

class Malformed extends Error {}

const fail = (problem: string): never => {
  throw new Malformed(problem);
};

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const u32le = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u24le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);

interface Dimensions {
  width: number;
  height: number;
}

/** Counts metadata bytes and refuses more than the limit (a cheap place to hide another file). */
class MetadataBudget {
  private used = 0;
  spend(bytes: number, what: string): void {
    this.used += bytes;
    if (this.used > REFERENCE_IMAGE_LIMITS.maxMetadataBytes) {
      fail(`more than ${REFERENCE_IMAGE_LIMITS.maxMetadataBytes} bytes of metadata (${what})`);
    }
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_CRITICAL_OR_KNOWN = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

function walkPng(bytes: Uint8Array): Dimensions {
  if (!PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) fail('PNG signature missing');
  const metadata = new MetadataBudget();
  let offset = 8;
  let dimensions: Dimensions | undefined;
  let sawIdat = false;
  for (let index = 0; ; index += 1) {
    if (offset + 12 > bytes.length) fail(index === 0 ? 'PNG without an IHDR header chunk' : 'PNG is truncated (no IEND chunk at the end)');
    const length = u32be(bytes, offset);
    const type = ascii(bytes, offset + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`PNG chunk ${index} has an invalid type`);
    if (length > 0x7fffffff || offset + 12 + length > bytes.length) fail(`PNG chunk ${type} runs past the end of the file`);
    const stored = u32be(bytes, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== stored) fail(`PNG chunk ${type} fails its CRC check`);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) fail('PNG without an IHDR header chunk');
      dimensions = { width: u32be(data, 0), height: u32be(data, 4) };
    } else if (type === 'IHDR') {
      fail('PNG has a second IHDR chunk');
    }
    if (type === 'IDAT') sawIdat = true;
    // Critical chunks we do not know (uppercase first letter) make the image undecodable.
    if (!PNG_CRITICAL_OR_KNOWN.has(type)) {
      if (type.charCodeAt(0) < 0x61) fail(`PNG has an unknown critical chunk ${type}`);
      metadata.spend(length, `PNG chunk ${type}`);
    }
    offset += 12 + length;
    if (type === 'IEND') {
      if (length !== 0) fail('PNG IEND chunk carries data');
      if (offset !== bytes.length) fail(`PNG has ${bytes.length - offset} bytes after its IEND chunk`);
      break;
    }
  }
  if (!sawIdat) fail('PNG has no image data (IDAT)');
  return dimensions!;
}

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const isRst = (marker: number) => marker >= 0xd0 && marker <= 0xd7;

/** Skips entropy-coded data after an SOS header; returns the offset of the next real marker's 0xFF. */
function skipEntropyCodedData(bytes: Uint8Array, offset: number): number {
  for (let i = offset; i + 1 < bytes.length; i += 1) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1]!;
    if (next === 0x00 || isRst(next)) {
      i += 1; // byte stuffing or a restart marker: still inside the scan
      continue;
    }
    if (next === 0xff) continue; // fill byte before a marker
    return i;
  }
  return fail('JPEG is truncated (no end-of-image marker)');
}

function walkJpeg(bytes: Uint8Array): Dimensions {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) fail('JPEG signature missing');
  const metadata = new MetadataBudget();
  let offset = 2;
  let dimensions: Dimensions | undefined;
  let scans = 0;
  for (;;) {
    if (offset + 2 > bytes.length) fail('JPEG is truncated (no end-of-image marker)');
    if (bytes[offset] !== 0xff) fail(`JPEG has stray bytes where a marker belongs (offset ${offset})`);
    while (bytes[offset + 1] === 0xff && offset + 2 < bytes.length) offset += 1; // fill bytes
    const marker = bytes[offset + 1]!;
    if (marker === 0xd9) {
      if (scans === 0) fail('JPEG ends before any image scan');
      offset += 2;
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || isRst(marker) || marker === 0x00)
      fail(`JPEG has a misplaced marker 0xFF${marker.toString(16).toUpperCase()}`);
    if (offset + 4 > bytes.length) fail('JPEG is truncated inside a segment header');
    const length = u16be(bytes, offset + 2);
    if (length < 2 || offset + 2 + length > bytes.length)
      fail(`JPEG segment 0xFF${marker.toString(16).toUpperCase()} runs past the end of the file`);
    const data = bytes.subarray(offset + 4, offset + 2 + length);
    if (JPEG_SOF.has(marker)) {
      if (dimensions) fail('JPEG has more than one frame header');
      if (data.length < 6) fail('JPEG frame header is too short');
      dimensions = { height: u16be(data, 1), width: u16be(data, 3) };
    } else if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      metadata.spend(length, 'JPEG APPn/COM segments');
    }
    offset += 2 + length;
    if (marker === 0xda) {
      if (!dimensions) fail('JPEG scan before its frame header');
      scans += 1;
      offset = skipEntropyCodedData(bytes, offset);
    }
  }
  // Some encoders pad with zeros after EOI; anything else there is another file riding along.
  for (let i = offset; i < bytes.length; i += 1) {
    if (bytes[i] !== 0) fail(`JPEG has ${bytes.length - offset} bytes after its end-of-image marker`);
  }
  return dimensions!;
}

function vp8Dimensions(data: Uint8Array): Dimensions {
  // Lossy: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
  if (data.length < 10 || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) fail('WebP VP8 bitstream header is invalid');
  if ((data[0]! & 0x01) !== 0) fail('WebP VP8 data does not start with a key frame');
  return { width: (data[6]! | (data[7]! << 8)) & 0x3fff, height: (data[8]! | (data[9]! << 8)) & 0x3fff };
}

function vp8lDimensions(data: Uint8Array): Dimensions {
  // Lossless: signature 0x2F, then 14 bits (width − 1) and 14 bits (height − 1), little-endian.
  if (data.length < 5 || data[0] !== 0x2f) fail('WebP VP8L bitstream header is invalid');
  const bits = u32le(data, 1);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

function walkWebp(bytes: Uint8Array): Dimensions {
  if (bytes.length < 20 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 4) !== 'WEBP') fail('WebP RIFF header missing');
  const riffLength = u32le(bytes, 4);
  if (riffLength + 8 !== bytes.length) fail(`WebP length field says ${riffLength + 8} bytes, file has ${bytes.length}`);
  const metadata = new MetadataBudget();
  let offset = 12;
  let canvas: Dimensions | undefined;
  let bitstream: Dimensions | undefined;
  for (let index = 0; offset < bytes.length; index += 1) {
    if (offset + 8 > bytes.length) fail('WebP ends inside a chunk header');
    const fourcc = ascii(bytes, offset, 4);
    const size = u32le(bytes, offset + 4);
    const padded = size + (size & 1);
    if (offset + 8 + padded > bytes.length) fail(`WebP chunk ${fourcc.trim()} runs past the end of the file`);
    const data = bytes.subarray(offset + 8, offset + 8 + size);
    if (index === 0 && !['VP8 ', 'VP8L', 'VP8X'].includes(fourcc)) fail('WebP without a VP8 chunk');
    if (fourcc === 'VP8X') {
      if (index !== 0 || size < 10) fail('WebP VP8X chunk is misplaced or too short');
      if (data[0]! & 0x02) fail('animated WebP is not accepted as a reference image');
      canvas = { width: u24le(data, 4) + 1, height: u24le(data, 7) + 1 };
    } else if (fourcc === 'VP8 ' || fourcc === 'VP8L') {
      if (bitstream) fail('WebP has more than one image bitstream');
      bitstream = fourcc === 'VP8 ' ? vp8Dimensions(data) : vp8lDimensions(data);
    } else if (fourcc === 'ANIM' || fourcc === 'ANMF') {
      fail('animated WebP is not accepted as a reference image');
    } else {
      metadata.spend(size, `WebP chunk ${fourcc.trim()}`);
    }
    offset += 8 + padded;
  }
  if (!bitstream) fail('WebP has no VP8/VP8L image data');
  if (canvas && (canvas.width !== bitstream!.width || canvas.height !== bitstream!.height)) {
    fail('WebP canvas size disagrees with its image data');
  }
  return bitstream!;
}

function dimensionProblem({ width, height }: Dimensions): string | undefined {
  const { minSidePx, maxSidePx, maxPixels } = REFERENCE_IMAGE_LIMITS;
  if (width < minSidePx || height < minSidePx) return `${width}×${height} px is smaller than ${minSidePx} px on a side`;
  if (width > maxSidePx || height > maxSidePx) return `${width}×${height} px is larger than ${maxSidePx} px on a side`;
  if (width * height > maxPixels) return `${width}×${height} px is more than ${maxPixels} pixels`;
  return undefined;
}

/** Walks the whole container; returns its dimensions, or the first reason it is not acceptable. */
export function inspectImageStructure(mime: SniffedMime, bytes: Uint8Array): ImageStructure {
  try {
    let dimensions: Dimensions;
    switch (mime) {
      case 'image/png':
        dimensions = walkPng(bytes);
        break;
      case 'image/jpeg':
        dimensions = walkJpeg(bytes);
        break;
      case 'image/webp':
        dimensions = walkWebp(bytes);
        break;
      default:
        return { ok: false, problem: `${mime} is not an image` };
    }
    const problem = dimensionProblem(dimensions);
    return problem ? { ok: false, problem } : { ok: true, ...dimensions };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, problem: err.message };
    throw err;
  }
}
