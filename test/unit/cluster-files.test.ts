/**
 * The files `rivya-sora2 cluster` writes that hold its database password (cluster.json, the server's
 * rendered config) or describe it (the UI's config) are the owner's only — mode 0600 every time they
 * are written, not only when first created. Without PostgreSQL or Temporal binaries.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_FILE, writeClusterState, type ClusterState } from '../../tools/cluster/state';
import { writePrivateFile } from '../../tools/cluster/private-file';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rivya-cluster-files-'));
  dirs.push(dir);
  return dir;
}
const modeOf = (path: string) => statSync(path).mode & 0o777;
const STATE: ClusterState = { version: 1, password: 'pg-password-for-test', numHistoryShards: 4, processes: [] };

test('cluster.json is 0600 even when a partial file of an earlier run (same pid, 0644) was left behind', () => {
  const dir = newDir();
  const stale = join(dir, `${STATE_FILE}.partial-${process.pid}`);
  writeFileSync(stale, 'left by a killed run');
  chmodSync(stale, 0o644);
  writeClusterState(dir, STATE);
  expect(modeOf(join(dir, STATE_FILE))).toBe(0o600);
  expect(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'))).toEqual(STATE);
});

test('a config rewritten over an existing 0644 file (an earlier run, an older version) ends up 0600', () => {
  const dir = newDir();
  const config = join(dir, 'cluster.yaml');
  writeFileSync(config, 'old: config\n');
  chmodSync(config, 0o644);
  writePrivateFile(config, 'password: s3cret\n');
  expect(modeOf(config)).toBe(0o600);
  expect(readFileSync(config, 'utf8')).toBe('password: s3cret\n');
});

test('a permissive umask does not widen it', () => {
  const dir = newDir();
  const previous = process.umask(0);
  try {
    writePrivateFile(join(dir, 'a.yaml'), 'x');
  } finally {
    process.umask(previous);
  }
  expect(modeOf(join(dir, 'a.yaml'))).toBe(0o600);
});
