/**
 * Builds the Temporal CLI from its Go module. Our machines cannot reach Temporal's download site,
 * but they reach the Go module proxy; v1.5.1 is the newest release `go install` accepts (later
 * releases carry a `replace` directive). The build takes minutes on 2 cores, so it reports progress.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { goBinDirectory } from './locate';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export type ProgressLog = (line: string) => void;

const PROGRESS_INTERVAL_MS = 15_000;

export async function isGoAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('go', ['version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs `go install` and resolves with the path of the built binary. */
export async function buildTemporalCliWithGo(log: ProgressLog): Promise<string> {
  const target = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with 'go install ${target}' (a few minutes, once per machine)`);
  const started = Date.now();
  let packagesBuilt = 0;
  let lastPackage = '';
  const stderrTail: string[] = [];

  await new Promise<void>((resolve, reject) => {
    // -v prints each package as it compiles: our progress signal. Pure Go, so CGO stays off.
    const child = spawn('go', ['install', '-v', target], {
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      log(`  still building: ${seconds}s elapsed, ${packagesBuilt} packages compiled${lastPackage ? ` (last: ${lastPackage})` : ''}`);
    }, PROGRESS_INTERVAL_MS);
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        if (!line.startsWith('go: ')) {
          packagesBuilt += 1;
          lastPackage = line.trim();
        }
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
      }
    });
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`go install ${target} exited with ${code}:\n${stderrTail.join('\n')}`));
    });
  });

  const binary = join(goBinDirectory() ?? '', 'temporal');
  log(`built ${binary} in ${Math.round((Date.now() - started) / 1000)}s`);
  return binary;
}
