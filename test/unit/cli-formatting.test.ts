/**
 * The CLI's words, without a server: the progress line (next check, retries), the failure report's
 * exit codes and outcome words, what Ctrl-C says, the summary label and the input hash.
 */
import { FailureTypes, type GenerationFailureDetails } from '../../workflows/common/failures';
import { checkSora2Input, type Sora2GenerationInput } from '../../workflows/generation/input';
import { activityRetriesOf, describeRetry, describeStatus, describeWait } from '../../tools/cli/progress';
import { exitCodeOf, formatFailure, outcomeOf, type FailureReport } from '../../tools/cli/failure-report';
import { interruptedLines } from '../../tools/cli/commands/generate';
import { sora2InputHash, summaryLabelOf, summaryOf } from '../../src/client/helpers';
import { generationStatus } from '../helpers/generation-status';

const status = generationStatus;

const NOW = Date.parse('2026-01-01T00:00:20.000Z');

describe('the progress line', () => {
  test('shows when the next status check is', () => {
    const line = describeStatus(status({ nextPollAt: '2026-01-01T00:00:27.400Z' }), 20_000, { nowMs: NOW });
    expect(line).toBe('phase polling | task task_1 processing | polls 3 | next check in 8s | elapsed 20s');
    // Plain output: an absolute time, so the line repeats only when something changed.
    expect(describeStatus(status({ nextPollAt: '2026-01-01T00:00:27.400Z' }), 0, { absoluteTimes: true })).toContain(
      'next check at 00:00:27Z',
    );
    expect(describeStatus(status({ nextPollAt: '2026-01-01T00:00:10.000Z' }), 0, { nowMs: NOW })).toContain('next check in 0s');
  });

  test('shows a retrying activity: attempt, last failure, next attempt', () => {
    const retries = [
      {
        activityType: 'rivyaCreateGeneration',
        attempt: 16,
        lastFailure: 'connect ECONNREFUSED 127.0.0.1:9',
        nextAttemptAt: '2026-01-01T00:00:50.000Z',
      },
    ];
    const line = describeStatus(status({ phase: 'creating-task', taskId: null, remoteStatus: null, polls: 0 }), 3_000, {
      retries,
      nowMs: NOW,
    });
    expect(line).toBe(
      'phase creating-task | polls 0 | elapsed 3s | rivyaCreateGeneration retrying: attempt 16, last failure: connect ECONNREFUSED 127.0.0.1:9, next attempt in 30s',
    );
    expect(describeRetry({ ...retries[0]!, lastFailure: 'x\x1b]52;c;Zm9v\x07y\nz', nextAttemptAt: null })).toBe(
      'rivyaCreateGeneration retrying: attempt 16, last failure: xy z',
    );
  });

  test('retries come from describe: pending activities that failed at least once', () => {
    const raw = {
      pendingActivities: [
        { activityType: { name: 'rivyaGetGeneration' }, attempt: 1 },
        {
          activityType: { name: 'rivyaCreateGeneration' },
          attempt: 16,
          lastFailure: { message: 'connect ECONNREFUSED' },
          nextAttemptScheduleTime: { seconds: 1767225650, nanos: 500_000_000 },
          maximumAttempts: 20,
          expirationTime: { seconds: 1767225900 },
        },
      ],
    };
    const retries = activityRetriesOf({ raw } as never);
    expect(retries).toEqual([
      {
        activityType: 'rivyaCreateGeneration',
        attempt: 16,
        lastFailure: 'connect ECONNREFUSED',
        lastFailureType: null,
        nextAttemptAt: '2026-01-01T00:00:50.500Z',
        maximumAttempts: 20,
        expiresAt: '2026-01-01T00:05:00.000Z',
      },
    ]);
    // The bound is said: the attempt ceiling and when the server gives up.
    expect(describeRetry(retries[0]!, { nowMs: Date.parse('2026-01-01T00:00:20.000Z') })).toBe(
      'rivyaCreateGeneration retrying: attempt 16 of 20, last failure: connect ECONNREFUSED, next attempt in 31s, gives up in 280s',
    );
    expect(activityRetriesOf({ raw: {} } as never)).toEqual([]);
  });

  test('the wait by retries reads as status checks, not as a failure', () => {
    const wait = {
      activityType: 'rivyaAwaitGeneration',
      attempt: 4,
      lastFailure: 'task not finished after 2 checks',
      lastFailureType: 'RivyaTaskNotFinished',
      nextAttemptAt: '2026-01-01T00:00:25.000Z',
    };
    const line = describeStatus(status({ polls: 0, nextPollAt: null }), 20_000, { retries: [wait], nowMs: NOW });
    // Attempt 4 pending: attempt 1 scheduled, attempts 2 and 3 were the two checks so far.
    expect(line).toBe('phase polling | task task_1 processing | polls 2 | next check in 5s | elapsed 20s');
    expect(describeWait(wait, { nowMs: NOW })).toBe('waiting (next check in 5s): task not finished after 2 checks');
    // A real failure of the same activity is still shown as a retry.
    const failing = { ...wait, lastFailure: 'HTTP 503', lastFailureType: 'rivya:public_api_disabled' };
    expect(describeStatus(status({ polls: 0, nextPollAt: null }), 20_000, { retries: [failing], nowMs: NOW })).toContain(
      'rivyaAwaitGeneration retrying: attempt 4, last failure: HTTP 503',
    );
  });
});

const details = (over: Partial<GenerationFailureDetails> = {}): GenerationFailureDetails => ({
  reason: 'failed',
  workflowId: 'wf',
  phase: 'failed',
  taskId: null,
  remoteError: null,
  credits: null,
  compensations: [],
  polls: 0,
  ...over,
});

describe('the failure report', () => {
  test('a rejected reference is invalid input: exit 2, said as such, not as a remote error', () => {
    const report: FailureReport = {
      type: FailureTypes.ValidationFailed,
      message: 'reference rejected: not found: nope.png',
      details: details({ reason: 'reference-rejected', remoteError: { code: 'ReferenceRejected', message: 'not found: nope.png' } }),
    };
    expect(exitCodeOf(report)).toBe(2);
    expect(outcomeOf(report)).toBe('invalid input');
    const lines = formatFailure(report);
    expect(lines).toContain('  invalid reference: not found: nope.png');
    expect(lines.join('\n')).not.toMatch(/remote error/);
  });

  test('exit codes and outcome words by type', () => {
    const of = (type: string) => ({ type, message: 'm', details: undefined });
    expect(exitCodeOf(of(FailureTypes.GenerationFailed))).toBe(1);
    expect(exitCodeOf(of(FailureTypes.RivyaUnavailable))).toBe(1);
    expect(exitCodeOf(of(FailureTypes.GenerationCancelled))).toBe(1);
    expect(exitCodeOf(of('TerminatedFailure'))).toBe(1);
    expect(outcomeOf(of(FailureTypes.GenerationCancelled))).toBe('cancelled');
    expect(outcomeOf(of(FailureTypes.GenerationTimedOut))).toBe('timed out');
    expect(outcomeOf(of(FailureTypes.GenerationRejected))).toBe('failed');
  });

  test('Ctrl-C says the generation continues and how to follow it', () => {
    expect(interruptedLines('gen-1')).toEqual([
      'interrupted: only the waiting stopped; the generation gen-1 continues on the workers',
      '  follow it: rivya-sora2 status gen-1',
      '  stop it:   rivya-sora2 cancel gen-1',
    ]);
  });
});

describe('the start', () => {
  const input: Sora2GenerationInput = { prompt: '  a  cat surfing a wave at golden hour in Lisbon ' };

  test('the summary label: metadata.title, else the first words, never long, and can be left out', () => {
    expect(summaryLabelOf(input)).toBe('a cat surfing a wave at');
    expect(summaryLabelOf({ ...input, metadata: { title: 'Order 42' } })).toBe('Order 42');
    expect(summaryLabelOf({ ...input, metadata: { title: 42 } })).toBe('a cat surfing a wave at');
    expect(summaryLabelOf({ ...input, metadata: { title: 'x'.repeat(200) } })).toHaveLength(60);
    expect(summaryLabelOf(input, 'custom')).toBe('custom');
    expect(summaryLabelOf(input, false)).toBeNull();
    expect(summaryOf({ ...input, model: 'sora-2-pro' }, false)).toBe('sora-2-pro generation');
  });

  test('the input hash: same generation, same hash (defaults, key order); any change, another hash', () => {
    const hash = (value: Sora2GenerationInput) => {
      const checked = checkSora2Input(value);
      if (!checked.ok) throw new Error('invalid');
      return sora2InputHash(checked.value);
    };
    const base = hash({ prompt: 'p', params: { n_frames: '10', aspect_ratio: 'portrait' } });
    expect(hash({ params: { aspect_ratio: 'portrait', n_frames: '10' }, prompt: 'p', model: 'sora-2' })).toBe(base);
    expect(hash({ prompt: 'q', params: { n_frames: '10', aspect_ratio: 'portrait' } })).not.toBe(base);
    expect(hash({ prompt: 'p', params: { n_frames: '15', aspect_ratio: 'portrait' } })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

test('a video paid for but not saved is reported with where it still is; other failures carry no such line', () => {
  const details = { workflowId: 'gen-1', taskId: 'task_9', videoUrl: 'https://media.example/v/task_9.mp4', to: 's3://b/p' };
  const lines = formatFailure({ type: FailureTypes.ResultNotSaved, message: 'task task_9 succeeded but …', details: details as never });
  expect(lines).toContain('  video (not saved): https://media.example/v/task_9.mp4');
  expect(lines).toContain('  task: task_9');
  const other = formatFailure({ type: FailureTypes.GenerationFailed, message: 'failed', details: details as never });
  expect(other.some((line) => line.includes('not saved'))).toBe(false);
});
