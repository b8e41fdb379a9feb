/** The UI's "current details" are rendered from the query's status object, line for line. */
import type { GenerationStatus } from '../../workflows/generation/messages';
import { renderStatusDetails } from '../../workflows/generation/status-details';
import { generationStatus } from '../helpers/generation-status';

/** Polling, with a next check and credits reserved: every line of the details has something to show. */
const status = (over: Partial<GenerationStatus> = {}): GenerationStatus =>
  generationStatus({ nextPollAt: '2026-01-01T00:00:30.000Z', credits: { reserved: 30, final: 0 }, ...over });

test('while polling: phase, model, task, checks, next check and credits', () => {
  expect(renderStatusDetails(status()).split('\n\n')).toEqual([
    '**Phase:** polling',
    '**Model:** sora-2',
    '**Task:** `task_1` — processing',
    '**Status checks:** 3',
    '**Completion:** by status checks (activity retries); expected duration: built-in',
    '**Next check:** 2026-01-01T00:00:30.000Z',
    '**Deadline:** 2026-01-01T01:00:00.000Z',
    '**Credits:** reserved 30, final 0',
  ]);
});

test('before the task exists: no task, no credits', () => {
  expect(
    renderStatusDetails(status({ phase: 'creating-task', taskId: null, remoteStatus: null, polls: 0, nextPollAt: null, credits: null })),
  ).toBe(
    [
      '**Phase:** creating-task',
      '**Model:** sora-2',
      '**Task:** not created yet',
      '**Status checks:** 0',
      '**Completion:** by status checks (activity retries); expected duration: built-in',
      '**Deadline:** 2026-01-01T01:00:00.000Z',
    ].join('\n\n'),
  );
});

test('no "Next check" line when nothing is scheduled; the last error when there is one', () => {
  const lines = renderStatusDetails(status({ nextPollAt: null, lastError: 'HTTP 503' })).split('\n\n');
  expect(lines.some((line) => line.startsWith('**Next check:**'))).toBe(false);
  expect(lines.at(-1)).toBe('**Last error:** HTTP 503');
});

test('webhooks: the safety net, the events received and how the task was found to end', () => {
  const line = renderStatusDetails(
    status({
      completion: {
        webhooks: true,
        style: 'timer',
        expectation: 'learned',
        completedBy: 'webhook',
        webhookEvents: { accepted: 1, duplicate: 2, ignored: 1 },
      },
    }),
  )
    .split('\n\n')
    .find((l) => l.startsWith('**Completion:**'));
  expect(line).toBe(
    '**Completion:** by webhook (safety-net checks by durable timers); expected duration: learned; 4 webhook event(s), 2 duplicate, 1 ignored; done by webhook',
  );
});

test('the deadline (which an operator may extend) shows while the run is alive, not after it ended', () => {
  const deadline = (phase: GenerationStatus['phase']) =>
    renderStatusDetails(status({ phase }))
      .split('\n\n')
      .find((line) => line.startsWith('**Deadline:**'));
  expect(deadline('polling')).toBe('**Deadline:** 2026-01-01T01:00:00.000Z');
  expect(deadline('compensating')).toBe('**Deadline:** 2026-01-01T01:00:00.000Z');
  for (const ended of ['succeeded', 'failed', 'timed-out', 'cancelled'] as const) expect(deadline(ended)).toBeUndefined();
});
