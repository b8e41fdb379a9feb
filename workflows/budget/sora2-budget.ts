/**
 * The account budget: one long-lived entity workflow per budget name (workflow id
 * `rivya-budget:<name>`, input.ts) that leases credits to generations before their paid create and
 * takes back what a failed task refunds. Its books (ledger.ts) are the only state; the handlers
 * are synchronous, so every Update is answered in the workflow task that delivers it.
 *
 * Temporal's Update limits shape it: about 10 Updates in flight per workflow (a generation asks
 * from an activity that retries with back-off when the server says "too many"), and at most 2,000
 * per run: the budget continues as new well before (maxUpdatesPerRun, or when the server suggests
 * it), carrying the books. A refused lease fails in the validator: waiting generations that ask
 * again and again write nothing to history.
 */
import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  availableCredits,
  commitLease,
  creditsIssue,
  decideLease,
  emptyBooks,
  grantLease,
  heldCredits,
  settleLease,
  type BudgetBooks,
} from './ledger';
import {
  BUDGET_EXHAUSTED,
  INVALID_BUDGET_UPDATE,
  sora2BudgetCommitUpdate,
  sora2BudgetLeaseUpdate,
  sora2BudgetSetCapUpdate,
  sora2BudgetSettleUpdate,
  sora2BudgetStateQuery,
  sora2BudgetTopUpUpdate,
  type BudgetState,
} from './messages';
import { BUDGET_NAME_PATTERN } from './input';

export interface Sora2BudgetInput {
  name: string;
  /** Continue as new after this many accepted Updates (default 1,000; Temporal allows 2,000 per run). */
  maxUpdatesPerRun?: number;
}

/** What one run hands the next. */
export interface BudgetCarriedState {
  books: BudgetBooks;
  run: number;
}

export const BUDGET_DEFAULTS = { maxUpdatesPerRun: 1_000 } as const;

const invalid = (message: string) => ApplicationFailure.create({ type: INVALID_BUDGET_UPDATE, message, nonRetryable: true });

export async function sora2Budget(input: Sora2BudgetInput, carried?: BudgetCarriedState): Promise<never> {
  if (typeof input?.name !== 'string' || !BUDGET_NAME_PATTERN.test(input.name))
    throw ApplicationFailure.create({ type: INVALID_BUDGET_UPDATE, message: 'a budget needs a valid name', nonRetryable: true });
  // A new budget admits nothing until an operator sets its cap: a typo in a name pays for nothing.
  const books = carried?.books ?? emptyBooks(input.name);
  const run = (carried?.run ?? 0) + 1;
  const maxUpdates = Math.min(Math.max(input.maxUpdatesPerRun ?? BUDGET_DEFAULTS.maxUpdatesPerRun, 1), 1_800);
  let updates = 0;
  const counted = <T>(answer: T): T => {
    updates += 1;
    return answer;
  };

  setHandler(sora2BudgetStateQuery, () => stateOf(books, run, updates));
  setHandler(sora2BudgetLeaseUpdate, (request) => counted(grantLease(books, request, Date.now())), {
    validator: (request) => {
      const decision = decideLease(books, request);
      if (decision.kind === 'invalid') throw invalid(decision.message);
      if (decision.kind === 'refuse') {
        const r = decision.refusal;
        throw ApplicationFailure.create({
          type: BUDGET_EXHAUSTED,
          message: `budget ${r.budget} has ${r.available} of ${r.cap} credits available, ${r.requested} requested`,
          nonRetryable: true,
          details: [r],
        });
      }
    },
  });
  setHandler(sora2BudgetCommitUpdate, (request) => counted(commitLease(books, request.leaseId, request.taskId)), {
    validator: (request) => {
      if (typeof request?.leaseId !== 'string' || typeof request.taskId !== 'string') throw invalid('commit needs a leaseId and a taskId');
    },
  });
  setHandler(sora2BudgetSettleUpdate, (request) => counted(settleLease(books, request.leaseId, request.end, request.chargedCredits)), {
    validator: (request) => {
      if (typeof request?.leaseId !== 'string') throw invalid('settle needs a leaseId');
      if (!['spent', 'refunded', 'released'].includes(request.end)) throw invalid('end must be spent, refunded or released');
      if (request.chargedCredits !== undefined && creditsIssue(request.chargedCredits, 'chargedCredits', true))
        throw invalid(creditsIssue(request.chargedCredits, 'chargedCredits', true)!);
    },
  });
  setHandler(
    sora2BudgetSetCapUpdate,
    (request) => {
      books.cap = request.cap;
      return counted(stateOf(books, run, updates + 1));
    },
    {
      validator: (request) => {
        const issue = creditsIssue(request?.cap, 'cap', true);
        if (issue) throw invalid(issue);
      },
    },
  );
  setHandler(
    sora2BudgetTopUpUpdate,
    (request) => {
      books.cap += request.credits;
      return counted(stateOf(books, run, updates + 1));
    },
    {
      validator: (request) => {
        const issue =
          creditsIssue(request?.credits, 'top-up', false) ?? creditsIssue(books.cap + (request?.credits ?? 0), 'the new cap', true);
        if (issue) throw invalid(issue);
      },
    },
  );

  await condition(() => updates >= maxUpdates || workflowInfo().continueAsNewSuggested);
  // Handlers are synchronous, but an Update accepted in this very task must still be answered.
  await condition(allHandlersFinished);
  return continueAsNew<typeof sora2Budget>(input, { books, run });
}

function stateOf(books: BudgetBooks, run: number, updatesThisRun: number): BudgetState {
  const oldestLeases = Object.entries(books.leases)
    .sort(([, a], [, b]) => a.atMs - b.atMs)
    .slice(0, 100)
    .map(([leaseId, lease]) => ({
      leaseId,
      credits: lease.credits,
      state: lease.state,
      taskId: lease.taskId,
      model: lease.model,
      since: new Date(lease.atMs).toISOString(),
    }));
  return {
    name: books.name,
    cap: books.cap,
    spent: books.spent,
    held: heldCredits(books),
    available: availableCredits(books),
    leases: Object.keys(books.leases).length,
    oldestLeases,
    granted: books.granted,
    refundedCredits: books.refundedCredits,
    run,
    updatesThisRun,
  };
}
