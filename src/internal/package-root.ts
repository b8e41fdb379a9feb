/** The folder holding this package's package.json, from source (ts) and from dist alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('rivya-sora2-temporal: cannot find the package root');
    dir = parent;
  }
  cached = dir;
  return dir;
}

/** Files shipped in `assets/` (sample video and reference image). */
export function assetPath(name: string): string {
  return join(packageRoot(), 'assets', name);
}
