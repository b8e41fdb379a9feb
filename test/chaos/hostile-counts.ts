/** Hand-off from the hostile-input suite to the reliability report: cases tried per class. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type HostileCaseCounts = Record<string, number>;

const COUNTS_FILE = join(__dirname, '..', '..', '.reliability', 'hostile-cases.json');

export function recordHostileCounts(counts: HostileCaseCounts): void {
  mkdirSync(dirname(COUNTS_FILE), { recursive: true });
  writeFileSync(COUNTS_FILE, JSON.stringify(counts, null, 2));
}

export function readHostileCounts(): HostileCaseCounts | undefined {
  return existsSync(COUNTS_FILE) ? (JSON.parse(readFileSync(COUNTS_FILE, 'utf8')) as HostileCaseCounts) : undefined;
}
