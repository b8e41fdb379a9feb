/**
 * Every duration on the command line reads one way: a bare number is seconds, units say otherwise,
 * and a refusal names the flag the user typed.
 */
import { CliDurationError, inFlagTerms, parseCliDuration } from '../../tools/cli/duration';
import { extendRequestOf, setPollingRequestOf } from '../../tools/cli/commands/operate';
import { Sora2ConfigError } from '../../src/worker/settings';

test('a bare number is seconds; units are read as written', () => {
  expect(parseCliDuration('30', '--by')).toBe(30_000);
  expect(parseCliDuration('2.5', '--min')).toBe(2_500);
  expect(parseCliDuration('500ms', '--min')).toBe(500);
  expect(parseCliDuration('30s', '--by')).toBe(30_000);
  expect(parseCliDuration('2m', '--max')).toBe(120_000);
  expect(parseCliDuration('1h', '--deadline')).toBe(3_600_000);
});

test('`extend --by 30` moves the deadline by 30 seconds, not 30 ms', () => {
  expect(extendRequestOf({ by: '30' })).toEqual({ byMs: 30_000 });
});

test.each(['', 'soon', '-5', '0', '1e3', '40d'])('%p is refused, naming the flag, as a usage error (exit 2)', (text) => {
  const refusal = (() => {
    try {
      parseCliDuration(text, '--by');
    } catch (err) {
      return err;
    }
    return undefined;
  })();
  expect(refusal).toBeInstanceOf(CliDurationError);
  expect(refusal).toBeInstanceOf(Sora2ConfigError);
  expect((refusal as Error).message).toMatch(/^--by /);
});

test('--min above --max is refused in flag terms before any Update is sent', () => {
  expect(() => setPollingRequestOf({ min: '10s', max: '5s' })).toThrow('--min must not exceed --max');
  expect(setPollingRequestOf({ min: '5', max: '2m' })).toEqual({ minIntervalMs: 5_000, maxIntervalMs: 120_000 });
});

test("the workflow's refusals are told with the flags' names", () => {
  expect(inFlagTerms('minIntervalMs must not exceed maxIntervalMs', { minIntervalMs: '--min', maxIntervalMs: '--max' })).toBe(
    '--min must not exceed --max',
  );
});
