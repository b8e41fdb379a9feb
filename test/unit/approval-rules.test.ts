/**
 * The approval gate's rules without a server: what a decision request must hold, the option's
 * bounds, and how the status, the UI details and the CLI line show a pending gate and the ETA.
 */
import { APPROVAL_LIMITS, approvalOptionsSchema, approvalRequestProblem } from '../../workflows/generation/approval-input';
import { renderStatusDetails } from '../../workflows/generation/status-details';
import { etaOf } from '../../workflows/generation/eta';
import { describeStatus } from '../../tools/cli/progress';
import { decisionRequestOf, defaultApprover } from '../../tools/cli/commands/approval';
import { checkSora2Input } from '../../workflows/generation/input';
import { generationStatus } from '../helpers/generation-status';

describe('approvalRequestProblem', () => {
  it('needs who decides, bounded, and a reason to reject', () => {
    expect(approvalRequestProblem({ by: 'ana' }, 'approved')).toBeNull();
    expect(approvalRequestProblem({ by: 'ana', reason: 'ok' }, 'rejected')).toBeNull();
    expect(approvalRequestProblem({ by: '  ' }, 'approved')).toMatch(/by \(who decides\) is required/);
    expect(approvalRequestProblem({}, 'approved')).toMatch(/required/);
    expect(approvalRequestProblem({ by: 'x'.repeat(APPROVAL_LIMITS.maxByChars + 1) }, 'approved')).toMatch(/at most 200/);
    expect(approvalRequestProblem({ by: 'ana', reason: 'x'.repeat(1_001) }, 'approved')).toMatch(/at most 1000/);
    expect(approvalRequestProblem({ by: 'ana' }, 'rejected')).toMatch(/needs a reason/);
    expect(approvalRequestProblem({ by: 'ana', reason: 7 }, 'approved')).toMatch(/must be a string/);
    expect(approvalRequestProblem({ by: 'ana', who: 'typo' }, 'approved')).toMatch(/unknown field\(s\) who/);
    expect(approvalRequestProblem('ana', 'approved')).toMatch(/takes an object/);
  });
});

describe('the approval option in the input', () => {
  it('defaults the timeout to a day and bounds it to a week; absent stays absent', () => {
    expect(approvalOptionsSchema.parse({ required: true })).toEqual({ required: true, timeoutMs: APPROVAL_LIMITS.defaultTimeoutMs });
    expect(approvalOptionsSchema.safeParse({ required: true, timeoutMs: 8 * 24 * 3_600_000 }).success).toBe(false);
    expect(approvalOptionsSchema.safeParse({ required: true, timeout: '1h' }).success).toBe(false);
    const checked = checkSora2Input({ prompt: 'a cat' });
    expect(checked.ok && checked.value.approval).toBeUndefined();
  });
});

describe('the CLI request', () => {
  it('defaults --by to RIVYA_APPROVER, and refuses a rejection without --reason before asking Temporal', () => {
    expect(defaultApprover({ RIVYA_APPROVER: ' ops-oncall ' })).toBe('ops-oncall');
    expect(defaultApprover({}).length).toBeGreaterThan(0);
    expect(decisionRequestOf({ by: 'ana', reason: 'fine' }, 'approved')).toEqual({ by: 'ana', reason: 'fine' });
    expect(() => decisionRequestOf({ by: 'ana' }, 'rejected')).toThrow(/needs a --reason/);
    expect(() => decisionRequestOf({ by: '' }, 'approved')).toThrow(/--by/);
  });
});

describe('what operators see while a run waits', () => {
  const waiting = generationStatus({
    phase: 'awaiting-approval',
    taskId: null,
    remoteStatus: null,
    polls: 0,
    nextPollAt: null,
    credits: null,
    approval: { state: 'pending', priceCredits: 30, timeoutAt: '2026-01-02T00:00:00.000Z', decision: null },
  });

  it('the UI details and the CLI line say "awaiting approval" with the price', () => {
    expect(renderStatusDetails(waiting)).toContain('**Approval:** awaiting approval — 30 credits; times out at 2026-01-02T00:00:00.000Z');
    expect(describeStatus(waiting, 0)).toContain('awaiting approval: 30 credits');
  });

  it('a decided gate shows who and why', () => {
    const decided = generationStatus({
      approval: {
        state: 'rejected',
        priceCredits: 30,
        timeoutAt: null,
        decision: { verdict: 'rejected', by: 'bo', reason: 'too long', decidedAt: '2026-01-01T00:00:00.000Z' },
      },
    });
    expect(renderStatusDetails(decided)).toContain('**Approval:** rejected by bo (too long) — 30 credits');
  });

  it('the ETA is labelled an estimate in the details, and "unknown" without data', () => {
    const created = Date.parse('2026-01-01T00:00:00Z');
    const durations = { source: 'learned' as const, samples: 12, points: [[0.5, 60_000] as const, [0.9, 90_000] as const] };
    const eta = etaOf({ durations, taskCreatedAtMs: created, nowMs: created + 30_000, ended: false });
    expect(renderStatusDetails(generationStatus({ eta }))).toMatch(
      /\*\*Estimate:\*\* est\. finish \d\d:\d\d:\d\dZ \(~\d+ %, from 12 learned durations\), as of 00:00:30Z/,
    );
    const unknown = etaOf({ durations: null, taskCreatedAtMs: created, nowMs: created, ended: false });
    expect(renderStatusDetails(generationStatus({ eta: unknown }))).toContain('**Estimate:** ETA unknown');
    expect(describeStatus(generationStatus({ eta: unknown }), 0)).toContain('ETA unknown');
  });
});
