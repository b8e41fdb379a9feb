/**
 * Live progress while waiting: one rewritten line on a terminal, plain lines (only on change)
 * when piped — logs and CI stay readable.
 */
import type { GenerationStatus } from '../../workflows/messages';
import { printable } from './printable';

export interface ProgressWriter {
  update(status: GenerationStatus, elapsedMs: number): void;
  done(): void;
}

/** One progress line; the status comes from the workflow (task id, remote status, errors from Rivya): all printable. */
export function describeStatus(status: GenerationStatus, elapsedMs: number): string {
  const parts = [`phase ${printable(status.phase)}`];
  if (status.taskId) parts.push(`task ${printable(status.taskId)} ${printable(status.remoteStatus ?? '')}`.trim());
  parts.push(`polls ${printable(status.polls)}`);
  parts.push(`elapsed ${(elapsedMs / 1000).toFixed(0)}s`);
  if (status.lastError) parts.push(`last error: ${printable(status.lastError)}`);
  return parts.join(' | ');
}

export function progressWriter(stream: NodeJS.WriteStream = process.stderr): ProgressWriter {
  if (stream.isTTY) {
    return {
      update: (status, elapsedMs) => stream.write(`\r\x1b[2K${describeStatus(status, elapsedMs)}`),
      done: () => stream.write('\n'),
    };
  }
  let last = '';
  return {
    update(status) {
      // Plain mode prints a line only when something other than the clock changed.
      const line = describeStatus(status, 0).replace(/ \| elapsed \d+s/, '');
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    done: () => undefined,
  };
}
