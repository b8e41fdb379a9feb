/**
 * One reading of every duration on the command line: a bare number is seconds (as `--deadline
 * 600` always was), a unit says otherwise (`500ms`, `30s`, `2m`, `1h`, `1d`). `extend --by 30`
 * once moved a deadline by 30 ms and exited 0; a second reading per command is how that happens.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { Sora2ConfigError } from '../../src/worker/settings';
import { printable } from './printable';

/** A flag's value that is not a usable duration. */
export class CliDurationError extends Sora2ConfigError {
  override readonly name = 'CliDurationError';
}

/** Longer than any generation can run: a typo such as `--by 30000` (meant ms) is refused, not obeyed. */
export const MAX_CLI_DURATION_MS = 30 * 24 * 3600_000;

/** Milliseconds from `text`, or a CliDurationError that names `flag`. */
export function parseCliDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  let value: number;
  try {
    value = /^\d+(\.\d+)?$/.test(trimmed) ? Math.round(Number(trimmed) * 1000) : msToNumber(trimmed as Parameters<typeof msToNumber>[0]);
  } catch {
    value = Number.NaN;
  }
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new CliDurationError(`${flag} takes a duration: seconds (30), or with a unit (500ms, 30s, 2m, 1h); got ${printable(text)}`);
  if (value > MAX_CLI_DURATION_MS) throw new CliDurationError(`${flag} must be at most 30 days; got ${printable(text)}`);
  return value;
}

/** Field names of the workflow's refusals, as the flags a CLI user typed. */
export function inFlagTerms(message: string, flags: Readonly<Record<string, string>>): string {
  return Object.entries(flags).reduce((text, [field, flag]) => text.split(field).join(flag), message);
}
