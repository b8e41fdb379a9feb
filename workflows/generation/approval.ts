/**
 * The approval gate: with `approval.required`, the run waits here — after the input, the save
 * target and the reference were checked and uploaded, before the paid create — for an `approve`
 * or `reject` Update (approval-messages.ts), or until `approval.timeoutMs` passes. Only such runs
 * take it: a run without `approval` emits no command here, so existing histories replay unchanged.
 * Workflow-safe.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { FailureTypes } from '../common/failures';
import {
  approvalRequestProblem,
  type ApprovalDecision,
  type ApprovalDecisionRequest,
  type ApprovalOptions,
  type ApprovalStatus,
} from './approval-input';
import { sora2ApproveUpdate, sora2RejectUpdate } from './approval-messages';
import type { ClassifiedFailure } from './failure-classification';
import { invalidOperatorUpdate } from './operator-updates';

/** The documented extra value of `RivyaTaskStatus` while a run waits here (docs/operating.md). */
export const AWAITING_APPROVAL_STATUS = 'awaiting_approval';

/** Thrown by the gate when the answer is no (or none came): the run fails with `failure`, nothing paid. */
export class ApprovalNotGiven extends Error {
  constructor(
    readonly failure: ClassifiedFailure,
    readonly decision: ApprovalDecision,
  ) {
    super(failure.message);
    this.name = 'ApprovalNotGiven';
  }
}

/** Where the decision lives across continue-as-new (the run's carried state). */
export interface ApprovalHolder {
  approval?: ApprovalDecision | null;
}

/** The phases in which a decision can still change what happens: before and at the gate. */
const DECIDABLE_PHASES: ReadonlySet<string> = new Set(['validating', 'uploading-reference', 'awaiting-approval']);

export class ApprovalGate {
  private timeoutAtMs: number | null = null;

  constructor(
    private readonly options: ApprovalOptions | undefined,
    /** priceOf(model, params): shown while waiting, so the approver sees what they approve. */
    private readonly priceCredits: number,
    private readonly holder: ApprovalHolder,
  ) {}

  get required(): boolean {
    return this.options?.required === true;
  }

  private get decision(): ApprovalDecision | null {
    return this.holder.approval ?? null;
  }

  /** Why an approve/reject request is refused now, or null to accept it. */
  refusal(request: unknown, verdict: 'approved' | 'rejected', phase: string): string | null {
    if (!this.required) return 'this generation does not require approval';
    const decided = this.decision;
    if (decided) return `already decided: ${decided.verdict}${decided.by ? ` by ${decided.by}` : ''} at ${decided.decidedAt}`;
    if (!DECIDABLE_PHASES.has(phase)) return `the generation is ${phase}: it has left the approval gate`;
    return approvalRequestProblem(request, verdict);
  }

  decide(request: ApprovalDecisionRequest, verdict: 'approved' | 'rejected', nowMs: number): ApprovalDecision {
    const decision: ApprovalDecision = {
      verdict,
      by: request.by.trim(),
      reason: request.reason?.trim() || null,
      decidedAt: new Date(nowMs).toISOString(),
    };
    this.holder.approval = decision;
    this.timeoutAtMs = null;
    return decision;
  }

  /**
   * Waits for the decision (a durable timer bounds it) and returns how long the run waited, so the
   * run's deadline can count from the approval; throws ApprovalNotGiven on a rejection or timeout.
   * `onWaiting` runs only when the run actually has to wait (publish the phase, the search attribute).
   */
  async pass(nowMs: () => number, onWaiting: () => void): Promise<number> {
    if (!this.required) return 0;
    const enteredAtMs = nowMs();
    if (!this.decision) {
      const timeoutMs = this.options!.timeoutMs;
      this.timeoutAtMs = enteredAtMs + timeoutMs;
      onWaiting();
      const decided = await condition(() => this.decision !== null, timeoutMs);
      this.timeoutAtMs = null;
      if (!decided)
        this.holder.approval = {
          verdict: 'timed-out',
          by: null,
          reason: `no decision within ${timeoutMs} ms`,
          decidedAt: new Date(nowMs()).toISOString(),
        };
    }
    const decision = this.decision!;
    if (decision.verdict === 'approved') return nowMs() - enteredAtMs;
    throw new ApprovalNotGiven(failureOf(decision, this.priceCredits), decision);
  }

  status(): ApprovalStatus | null {
    if (!this.required) return null;
    const decision = this.decision;
    return {
      state: decision ? decision.verdict : 'pending',
      priceCredits: this.priceCredits,
      timeoutAt: this.timeoutAtMs === null ? null : new Date(this.timeoutAtMs).toISOString(),
      decision,
    };
  }

  /** The decision for the failure's details; nothing for runs that asked for no approval (their details stay as they were). */
  failureDetails(): { approval?: ApprovalDecision } {
    return this.required && this.decision ? { approval: this.decision } : {};
  }
}

function failureOf(decision: ApprovalDecision, priceCredits: number): ClassifiedFailure {
  if (decision.verdict === 'rejected') {
    return {
      reason: 'approval-rejected',
      type: FailureTypes.ApprovalRejected,
      message: `rejected by ${decision.by}, nothing paid (${priceCredits} credits not spent): ${decision.reason ?? ''}`,
      remoteError: null,
    };
  }
  return {
    reason: 'approval-timed-out',
    type: FailureTypes.ApprovalTimedOut,
    message: `not approved in time, nothing paid (${priceCredits} credits not spent): ${decision.reason ?? ''}`,
    remoteError: null,
  };
}

/** What the handlers read of the run. */
export interface ApprovalTarget {
  readonly phase: string;
  publishDetails(): void;
}

/** Registers approve and reject; each validator applies `refusal`, so a refused request writes no history. */
export function setApprovalHandlers(gate: ApprovalGate, run: ApprovalTarget): void {
  for (const [update, verdict] of [
    [sora2ApproveUpdate, 'approved'],
    [sora2RejectUpdate, 'rejected'],
  ] as const) {
    setHandler(
      update,
      (request) => {
        const decision = gate.decide(request, verdict, Date.now());
        run.publishDetails();
        return decision;
      },
      {
        validator: (request) => {
          const refusal = gate.refusal(request, verdict, run.phase);
          if (refusal) throw invalidOperatorUpdate(`${verdict === 'approved' ? 'approve' : 'reject'}: ${refusal}`);
        },
      },
    );
  }
}
