/**
 * Builds structurally valid JPEG, PNG and WebP files of a given size in pixels (and lets a test
 * break them on purpose). PNGs are real, decodable images; the JPEG and WebP bitstreams are
 * well-formed containers around placeholder entropy data, which is all a structure check reads.
 */
import { crc32, deflateSync } from 'node:zlib';

function u32be(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

/** One PNG chunk with a correct CRC (pass `crc` to store a wrong one). */
export function pngChunk(type: string, data: Buffer = Buffer.alloc(0), crc?: number): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(crc ?? crc32(body))]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A grey RGB PNG; `extra` chunks go between IHDR and IDAT. Header-only dimensions when `raw` is false. */
export function makePng(width: number, height: number, extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  // Pixel rows only for sane sizes: absurd dimensions are rejected from the header alone.
  const rows = width * height <= 4_000_000 ? Buffer.alloc((width * 3 + 1) * height, 0x80) : Buffer.alloc(16);
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND')]);
}

function segment(marker: number, data: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([header, data]);
}

/** A baseline JPEG container: SOI, APP0, DQT, SOF0, DHT, SOS, entropy bytes, EOI. */
export function makeJpeg(width: number, height: number, app: Buffer[] = []): Buffer {
  const sof = Buffer.from([8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  const entropy = Buffer.alloc(256, 0x55);
  entropy[100] = 0xff; // a stuffed 0xFF inside the scan
  entropy[101] = 0x00;
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    ...app.map((data) => segment(0xe1, data)),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xc0, sof),
    segment(0xc4, Buffer.alloc(29, 0)),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    entropy,
    Buffer.from([0xff, 0xd9]),
  ]);
}

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  return Buffer.concat([Buffer.from(fourcc, 'ascii'), size, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function riff(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP', 'ascii'), ...chunks]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'ascii'), size, body]);
}

/** A lossless (VP8L) WebP container. */
export function makeWebp(width: number, height: number, extra: Buffer[] = []): Buffer {
  const header = Buffer.alloc(5 + 64, 0);
  header[0] = 0x2f;
  header.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  return riff([riffChunk('VP8L', header), ...extra]);
}

/** A lossy (VP8) WebP container. */
export function makeLossyWebp(width: number, height: number): Buffer {
  const data = Buffer.alloc(10 + 64, 0);
  data.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a], 0);
  data.writeUInt16LE(width & 0x3fff, 6);
  data.writeUInt16LE(height & 0x3fff, 8);
  return riff([riffChunk('VP8 ', data)]);
}

export { riffChunk };
