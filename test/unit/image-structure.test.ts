/**
 * The reference-image structure check walks each container end to end. Every class below is an
 * image that a signature-plus-tail check accepted (and that would have been uploaded and paid for).
 */
import { readFileSync } from 'node:fs';
import { inspectImageStructure, REFERENCE_IMAGE_LIMITS } from '../../src/internal/media/image-structure';
import { sniffMime } from '../../src/internal/media/sniff';
import { assetPath } from '../../src/internal/package-root';
import { makeJpeg, makeLossyWebp, makePng, makeWebp, pngChunk, riffChunk } from '../helpers/images';

const check = (bytes: Buffer) => inspectImageStructure(sniffMime(bytes) ?? ('text/html' as never), bytes);
const zip = Buffer.concat([
  Buffer.from('PK\x03\x04', 'latin1'),
  Buffer.alloc(200, 0x41),
  Buffer.from('PK\x05\x06', 'latin1'),
  Buffer.alloc(18),
]);
const html = Buffer.from('<html><script>alert(1)</script></html>');

test('well-formed images of every accepted type pass, with their dimensions', () => {
  expect(check(readFileSync(assetPath('sample-reference.png')))).toEqual({ ok: true, width: 256, height: 144 });
  expect(check(makePng(640, 360))).toEqual({ ok: true, width: 640, height: 360 });
  expect(check(makeJpeg(1280, 720))).toEqual({ ok: true, width: 1280, height: 720 });
  expect(check(makeWebp(300, 200))).toEqual({ ok: true, width: 300, height: 200 });
  expect(check(makeLossyWebp(320, 240))).toEqual({ ok: true, width: 320, height: 240 });
  // Small metadata is fine.
  expect(check(makePng(64, 64, [pngChunk('tEXt', Buffer.from('Comment\0made by a camera'))])).ok).toBe(true);
});

const png = makePng(64, 64);
const iendAt = png.length - 12;

test.each([
  ['PNG + ZIP appended (polyglot)', Buffer.concat([png, zip]), /after its IEND/],
  ['PNG + HTML appended', Buffer.concat([png, html]), /after its IEND/],
  [
    '5 MB of garbage between chunks, IEND kept at the end',
    Buffer.concat([png.subarray(0, iendAt), Buffer.alloc(5 * 1024 * 1024, 0x41), png.subarray(iendAt)]),
    /chunk|CRC/,
  ],
  ['5 MB hidden in a private ancillary chunk', makePng(64, 64, [pngChunk('prIv', Buffer.alloc(5 * 1024 * 1024, 7))]), /metadata/],
  ['a chunk with a wrong CRC', makePng(64, 64, [pngChunk('tEXt', Buffer.from('a\0b'), 12345)]), /CRC/],
  ['an unknown critical chunk', makePng(64, 64, [pngChunk('XXXX', Buffer.from('x'))]), /critical/],
  ['no IDAT', Buffer.concat([png.subarray(0, 33), png.subarray(iendAt)]), /IDAT/],
  ['0×0 px', makePng(0, 0), /smaller/],
  ['2³¹×2³¹ px', makePng(2 ** 31, 2 ** 31), /larger/],
  ['100000² px', makePng(100_000, 100_000), /larger/],
  ['8192×8192 px (over the pixel cap)', makePng(8192, 8192), /pixels/],
  ['truncated PNG', png.subarray(0, png.length - 20), /truncated|past the end/],
])('PNG: %s is refused', (_label, bytes, reason) => {
  const result = check(bytes);
  expect(result.ok).toBe(false);
  expect(result.ok ? '' : result.problem).toMatch(reason);
});

const jpeg = makeJpeg(320, 240);

test.each([
  ['JPEG + ZIP appended (polyglot)', Buffer.concat([jpeg, zip]), /after its end-of-image/],
  ['JPEG + HTML appended', Buffer.concat([jpeg, html]), /after its end-of-image/],
  ['no EOI (truncated)', jpeg.subarray(0, jpeg.length - 2), /truncated/],
  [
    'a segment length past the end',
    Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1, 0xff, 0xff]), Buffer.alloc(10)]),
    /past the end/,
  ],
  [
    'no frame header before the scan',
    Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from([0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0]), Buffer.from([1, 2, 0xff, 0xd9])]),
    /before its frame header/,
  ],
  ['EOI right after SOI', Buffer.from([0xff, 0xd8, 0xff, 0xd9]), /before any image scan/],
  ['0×0 px', makeJpeg(0, 0), /smaller/],
  ['65535×65535 px', makeJpeg(65_535, 65_535), /larger/],
  [
    '3 MB of APP1 metadata',
    makeJpeg(320, 240, [Buffer.alloc(60_000, 1), ...Array.from({ length: 50 }, () => Buffer.alloc(60_000, 2))]),
    /metadata/,
  ],
])('JPEG: %s is refused', (_label, bytes, reason) => {
  const result = check(bytes);
  expect(result.ok).toBe(false);
  expect(result.ok ? '' : result.problem).toMatch(reason);
});

test('JPEG: zero padding after EOI is tolerated (some encoders add it)', () => {
  expect(check(Buffer.concat([jpeg, Buffer.alloc(32)])).ok).toBe(true);
});

const webp = makeWebp(200, 100);

test.each([
  ['WebP with bytes past its RIFF length', Buffer.concat([webp, zip]), /length field/],
  [
    'WebP whose RIFF length covers a ZIP in an unknown chunk over the metadata cap',
    makeWebp(200, 100, [riffChunk('ZIPX', Buffer.alloc(3 * 1024 * 1024, 1))]),
    /metadata/,
  ],
  ['animated WebP', makeWebp(200, 100, [riffChunk('ANIM', Buffer.alloc(6))]), /animated/],
  [
    'VP8L with a wrong signature byte',
    (() => {
      const b = Buffer.from(webp);
      b[20] = 0;
      return b;
    })(),
    /VP8L/,
  ],
  ['1×1 px', makeWebp(1, 1), /smaller/],
])('WebP: %s is refused', (_label, bytes, reason) => {
  const result = check(bytes);
  expect(result.ok).toBe(false);
  expect(result.ok ? '' : result.problem).toMatch(reason);
});

test('the limits are the documented assumption (S11)', () => {
  expect(REFERENCE_IMAGE_LIMITS).toMatchObject({ minSidePx: 16, maxSidePx: 8192 });
});
