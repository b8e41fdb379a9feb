/** Small files with real signatures (and impostors), written to a temp folder for upload tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SIGNATURES = {
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  jpeg: [0xff, 0xd8, 0xff, 0xe0],
  webp: [...Buffer.from('RIFF'), 0x24, 0, 0, 0, ...Buffer.from('WEBPVP8 ')],
  mp4: [0, 0, 0, 0x18, ...Buffer.from('ftypmp42')],
} as const;

/** `size` bytes that start with the signature of `type`, padded with a repeating pattern. */
export function mediaBytes(type: keyof typeof SIGNATURES, size = 1024): Buffer {
  const bytes = Buffer.alloc(size, 0x5a);
  Buffer.from(SIGNATURES[type]).copy(bytes);
  return bytes;
}

export function tempDir(prefix = 'rivya-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(dir: string, name: string, bytes: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}
