/**
 * Flag values for the Temporal CLI that must not appear on its command line.
 *
 * A process's arguments are readable by every local user (`ps`, /proc/<pid>/cmdline), and
 * `--ui-codec-endpoint` carries the codec server's token (the only place UI 2.42 can keep one for
 * an http endpoint, see src/codec/server.ts). The CLI has no environment variable for that flag and
 * builds the UI's configuration itself, but it sets any flag it was not given from an "env file"
 * (`--env-file <path> --env <name>`: YAML `env: {<name>: {<flag>: <value>}}`; JSON is YAML). So
 * the values go into such a file: created exclusively, owner-only (0600) in a fresh owner-only
 * directory, and removed as soon as the server is up — the CLI reads it once, at start.
 *
 * Side effect: with `--env-file` given, the CLI does not read the user's own env file
 * (~/.config/temporalio/temporal.yaml) for this server, which a dev server never needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The env name in the file, named on the command line (it wins over a TEMPORAL_ENV the user set). */
const ENV_NAME = 'rivya-dev';

export interface PrivateFlagFile {
  /** `--env-file <path> --env rivya-dev`: what goes on the command line instead of the values. */
  args: string[];
  path: string;
  /** Deletes the file and its directory; safe to call more than once. */
  remove(): void;
}

/** Writes `flags` (flag name without dashes → value) where only this user can read them. */
export function writePrivateFlagFile(flags: Record<string, string>): PrivateFlagFile {
  const directory = mkdtempSync(join(tmpdir(), 'rivya-temporal-flags-')); // mode 0700
  const path = join(directory, 'flags.yaml');
  writeFileSync(path, JSON.stringify({ env: { [ENV_NAME]: flags } }), { mode: 0o600, flag: 'wx' });
  return {
    args: ['--env-file', path, '--env', ENV_NAME],
    path,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
