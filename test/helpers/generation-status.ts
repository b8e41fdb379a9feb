/**
 * A GenerationStatus as the workflow's status query returns it, for tests of what is rendered from
 * it (the CLI's progress line, the UI's current details): a run polling task_1, override the rest.
 */
import type { GenerationStatus } from '../../workflows/generation/messages';

export const generationStatus = (over: Partial<GenerationStatus> = {}): GenerationStatus => ({
  phase: 'polling',
  model: 'sora-2',
  taskId: 'task_1',
  remoteStatus: 'processing',
  polls: 3,
  nextPollAt: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  deadlineAt: '2026-01-01T01:00:00.000Z',
  credits: null,
  referenceFileId: null,
  continuedAsNew: 0,
  lastError: null,
  reconciliation: null,
  completion: {
    webhooks: false,
    style: 'activity-retry',
    expectation: 'built-in',
    completedBy: null,
    webhookEvents: { accepted: 0, duplicate: 0, ignored: 0 },
  },
  ...over,
});
