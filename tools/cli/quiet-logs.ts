import { createWriteStream, type WriteStream } from 'node:fs';
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry, type RuntimeOptions } from '@temporalio/worker';
import { printable } from './printable';

/** Interactive commands show their own progress; the SDK's INFO lines would bury it. */
export function quietSdkLogs(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/**
 * The log file of a local run (`rivya-sora2 dev`): the SDK's log lines (activity failures with
 * their stacks, worker state) and the Temporal dev server's own output go here, not to the terminal.
 * Truncated at each run; named at start so the details are one `less` away.
 */
export class RunLog {
  readonly #stream: WriteStream;

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'w' });
    // A full disk or a removed directory must not take the run down: the log is a convenience.
    this.#stream.on('error', () => undefined);
    this.write(`rivya-sora2 dev: run started ${new Date().toISOString()} (pid ${process.pid})\n`);
  }

  write(text: string | Buffer): void {
    if (!this.#stream.destroyed && !this.#stream.writableEnded) this.#stream.write(text);
  }

  /** Where a child process's output goes: appended as it comes. */
  sink(prefix: string): (chunk: Buffer) => void {
    let atLineStart = true;
    return (chunk) => {
      const text = chunk.toString();
      this.write(`${atLineStart ? prefix : ''}${text.replace(/\n(?=.)/g, `\n${prefix}`)}`);
      atLineStart = text.endsWith('\n');
    };
  }

  async close(): Promise<void> {
    if (this.#stream.writableEnded) return;
    await new Promise<void>((resolve) => this.#stream.end(resolve));
  }
}

function formatEntry(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${inspect(entry.meta, { depth: 6, breakLength: Infinity })}` : '';
  return `${time} [${entry.level}] ${entry.message}${meta}\n`;
}

/**
 * The SDK's logs (INFO and up) into the run's log file. Errors also get one line on stderr, so a
 * worker that stops working is never silent; the stack stays in the file.
 */
export function sdkLogsToFile(log: RunLog, runtime: Omit<RuntimeOptions, 'logger'> = {}): void {
  Runtime.install({
    ...runtime,
    logger: new DefaultLogger('INFO', (entry) => {
      log.write(formatEntry(entry));
      if (entry.level === 'ERROR') console.error(`worker error: ${printable(entry.message)} (details in ${log.path})`);
    }),
  });
}
