/**
 * `go install -v` with progress: the one way this project builds Temporal binaries from their Go
 * modules (the CLI here, the server, SQL tool and UI server for `rivya-sora2 cluster`). Builds take
 * minutes on 2 cores, so a line every 15 s says how far it got.
 */
import { spawn } from 'node:child_process';

export type ProgressLog = (line: string) => void;

const PROGRESS_INTERVAL_MS = 15_000;
/** Lines of go's stderr kept for the error message of a failed build. */
const STDERR_TAIL_LINES = 20;

export async function isGoAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('go', ['version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

export interface GoInstallOptions {
  /** Where the binaries go; default: go's own (GOBIN, else GOPATH/bin). */
  gobin?: string;
  log: ProgressLog;
}

/** Runs `go install -v <packages>` (pure Go: CGO off) and resolves when it succeeded. */
export async function goInstall(packages: readonly string[], { gobin, log }: GoInstallOptions): Promise<void> {
  const started = Date.now();
  let compiled = 0;
  let last = '';
  const tail: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, CGO_ENABLED: '0' };
  if (gobin) {
    env.GOBIN = gobin;
    // A module cache checkout has no VCS metadata to stamp.
    env.GOFLAGS = [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ');
  }
  await new Promise<void>((resolve, reject) => {
    // -v prints each package as it compiles: our progress signal.
    const child = spawn('go', ['install', '-v', ...packages], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setInterval(() => {
      const seconds = Math.round((Date.now() - started) / 1000);
      log(`  still building: ${seconds}s elapsed, ${compiled} packages compiled${last ? ` (last: ${last})` : ''}`);
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
          compiled += 1;
          last = line.trim();
        }
        tail.push(line);
        if (tail.length > STDERR_TAIL_LINES) tail.shift();
      }
    });
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`go install ${packages.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}
