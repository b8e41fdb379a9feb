/**
 * Live progress while waiting: one rewritten line on a terminal, plain lines (only on change)
 * when piped — logs and CI stay readable.
 */
import type { GenerationStatus } from '../../workflows/messages';

export interface ProgressWriter {
  update(status: GenerationStatus, elapsedMs: number): void;
  done(): void;
}

function describe(status: GenerationStatus, elapsedMs: number): string {
  const parts = [`phase ${status.phase}`];
  if (status.taskId) parts.push(`task ${status.taskId} ${status.remoteStatus ?? ''}`.trim());
  parts.push(`polls ${status.polls}`);
  parts.push(`elapsed ${(elapsedMs / 1000).toFixed(0)}s`);
  if (status.lastError) parts.push(`last error: ${status.lastError}`);
  return parts.join(' | ');
}

export function progressWriter(stream: NodeJS.WriteStream = process.stderr): ProgressWriter {
  if (stream.isTTY) {
    return {
      update: (status, elapsedMs) => stream.write(`\r\x1b[2K${describe(status, elapsedMs)}`),
      done: () => stream.write('\n'),
    };
  }
  let last = '';
  return {
    update(status) {
      // Plain mode prints a line only when something other than the clock changed.
      const line = describe(status, 0).replace(/ \| elapsed \d+s/, '');
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    done: () => undefined,
  };
}
