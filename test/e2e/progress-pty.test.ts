/**
 * `generate --wait` in a real pseudo-terminal (util-linux `script`) at 60, 80 and 200 columns: the
 * progress line is redrawn in place and never longer than the terminal, so it cannot wrap into
 * a new copy of itself every second.
 */
import { execFileSync } from 'node:child_process';
import { CLI } from '../helpers/cli-process';
import { useDevRun } from '../helpers/dev-run';
import { nextId } from '../helpers/ids';

const dev = useDevRun('progress-pty');

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs the CLI in a pty of `columns` columns; what the terminal received, as bytes decoded. */
function inTerminal(columns: number, args: string[]): string {
  const command = `stty cols ${columns} rows 30; exec ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  return execFileSync('script', ['-qec', command, '/dev/null'], { env: dev.env, encoding: 'utf8', timeout: 120_000 });
}

/** The visible text of each redraw: split at carriage returns and newlines, escape sequences removed. */
function drawnLines(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  return plain.split(/[\r\n]+/).filter((line) => line.length > 0);
}

test.each([60, 80, 200])('at %i columns every redraw fits the line and replaces the previous one', async (columns) => {
  // Slow enough that the line is redrawn several times, with the task id, a next check and a poll count.
  await dev.simulatorAdmin('/_simulator/config', { timing: { queuedMs: [4_000, 4_000], processingMs: { default: [1_000, 1_000] } } });
  const workflowId = nextId(`pty-${columns}`);
  const output = inTerminal(columns, [
    'generate',
    '--prompt',
    '[sim:succeed] a paper boat in the rain',
    '--workflow-id',
    workflowId,
    '--wait',
    '--expected-duration',
    '5',
  ]);
  const progress = drawnLines(output).filter((line) => line.startsWith('phase '));
  expect(progress.length).toBeGreaterThanOrEqual(3);
  for (const line of progress) expect([...line].length).toBeLessThan(columns);
  // In place: each redraw starts with a carriage return and clears the line; no newline between redraws.
  const redraws = output.split('\r\x1b[2K').length - 1;
  expect(redraws).toBeGreaterThanOrEqual(progress.length);
  expect(output).toContain('succeeded: ');
  // Wide enough, nothing is dropped: the task and the next check are on the line.
  if (columns === 200) expect(progress.some((line) => / \| task task_\w+ /.test(line) && line.includes('next check in'))).toBe(true);
});
