/**
 * The budget's books as pure functions: a cap, what was spent, and the lease table (credits held
 * for generations whose create is coming, unknown or running). Available = cap − spent − held.
 * Every change is idempotent by lease id, so an activity that asks twice gets the same answer.
 * Workflow-safe and unit-tested without a server (test/unit/budget-ledger.test.ts).
 */

export type LeaseState = 'held' | 'committed';
/** How a lease ended: its credits were charged (spent), or came back (refunded by Rivya, released before any create). */
export type LeaseEnd = 'spent' | 'refunded' | 'released';

export interface BudgetLease {
  credits: number;
  /** 'held': leased, the create not (known to be) done; 'committed': the task exists, still running. */
  state: LeaseState;
  taskId: string | null;
  model: string | null;
  /** When it was granted (epoch ms, workflow time). */
  atMs: number;
}

export interface BudgetBooks {
  name: string;
  cap: number;
  spent: number;
  leases: Record<string, BudgetLease>;
  /** The last settled lease ids (bounded): a repeated settle or lease of one is answered, not applied twice. */
  settled: Array<{ leaseId: string; end: LeaseEnd; credits: number }>;
  /** Lifetime counters, for the operator's view. */
  granted: number;
  refundedCredits: number;
}

export const LEDGER_LIMITS = {
  /** Ids remembered after settling: enough for any retry of the same generation to find its answer. */
  settledRemembered: 500,
  /** Credits: a cap or top-up beyond this is a typo. */
  maxCredits: 1_000_000_000,
  maxLeaseIdChars: 255,
} as const;

export function emptyBooks(name: string, cap = 0): BudgetBooks {
  return { name, cap, spent: 0, leases: {}, settled: [], granted: 0, refundedCredits: 0 };
}

export function heldCredits(books: BudgetBooks): number {
  let held = 0;
  for (const lease of Object.values(books.leases)) held += lease.credits;
  return held;
}

export function availableCredits(books: BudgetBooks): number {
  return books.cap - books.spent - heldCredits(books);
}

export interface LeaseRequest {
  /** The generation's workflow id: one lease per generation. */
  leaseId: string;
  credits: number;
  model?: string;
}

/** Why a lease cannot be granted now (the validator's refusal; no history is written). */
export interface BudgetRefusal {
  budget: string;
  requested: number;
  available: number;
  cap: number;
  spent: number;
  held: number;
}

export type LeaseDecision =
  { kind: 'existing' } | { kind: 'grant' } | { kind: 'refuse'; refusal: BudgetRefusal } | { kind: 'invalid'; message: string };

/** Whether a lease can be granted; read-only (the Update's validator). */
export function decideLease(books: BudgetBooks, request: LeaseRequest): LeaseDecision {
  if (typeof request?.leaseId !== 'string' || request.leaseId.length === 0 || request.leaseId.length > LEDGER_LIMITS.maxLeaseIdChars)
    return { kind: 'invalid', message: `leaseId must be 1 to ${LEDGER_LIMITS.maxLeaseIdChars} characters` };
  if (!Number.isSafeInteger(request.credits) || request.credits <= 0 || request.credits > LEDGER_LIMITS.maxCredits)
    return { kind: 'invalid', message: 'credits must be a positive whole number' };
  if (books.leases[request.leaseId] || settledEntry(books, request.leaseId)) return { kind: 'existing' };
  const available = availableCredits(books);
  if (request.credits <= available) return { kind: 'grant' };
  return {
    kind: 'refuse',
    refusal: { budget: books.name, requested: request.credits, available, cap: books.cap, spent: books.spent, held: heldCredits(books) },
  };
}

export interface LeaseView {
  leaseId: string;
  credits: number;
  state: LeaseState | LeaseEnd;
  taskId: string | null;
}

/** Grants (or returns the existing) lease. Call after decideLease said 'grant' or 'existing'. */
export function grantLease(books: BudgetBooks, request: LeaseRequest, nowMs: number): LeaseView {
  const existing = viewOf(books, request.leaseId);
  if (existing) return existing;
  books.leases[request.leaseId] = { credits: request.credits, state: 'held', taskId: null, model: request.model ?? null, atMs: nowMs };
  books.granted += 1;
  return viewOf(books, request.leaseId)!;
}

/** The create succeeded: the lease now stands for task `taskId` (still held until the task ends). */
export function commitLease(books: BudgetBooks, leaseId: string, taskId: string): LeaseView | null {
  const lease = books.leases[leaseId];
  if (lease) {
    lease.state = 'committed';
    lease.taskId = taskId;
  }
  return viewOf(books, leaseId);
}

/**
 * Ends a lease: 'spent' moves its credits (or `chargedCredits`, what Rivya charged) to spent;
 * 'refunded' and 'released' give them back. Unknown or already settled: answered, nothing changes.
 */
export function settleLease(books: BudgetBooks, leaseId: string, end: LeaseEnd, chargedCredits?: number): LeaseView | null {
  const lease = books.leases[leaseId];
  if (!lease) return viewOf(books, leaseId);
  delete books.leases[leaseId];
  const credits = end === 'spent' && chargedCredits !== undefined && chargedCredits >= 0 ? chargedCredits : lease.credits;
  if (end === 'spent') books.spent += credits;
  if (end === 'refunded') books.refundedCredits += lease.credits;
  books.settled.push({ leaseId, end, credits });
  if (books.settled.length > LEDGER_LIMITS.settledRemembered)
    books.settled.splice(0, books.settled.length - LEDGER_LIMITS.settledRemembered);
  return { leaseId, credits, state: end, taskId: lease.taskId };
}

function settledEntry(books: BudgetBooks, leaseId: string) {
  for (let i = books.settled.length - 1; i >= 0; i -= 1) if (books.settled[i]!.leaseId === leaseId) return books.settled[i];
  return undefined;
}

function viewOf(books: BudgetBooks, leaseId: string): LeaseView | null {
  const lease = books.leases[leaseId];
  if (lease) return { leaseId, credits: lease.credits, state: lease.state, taskId: lease.taskId };
  const settled = settledEntry(books, leaseId);
  return settled ? { leaseId, credits: settled.credits, state: settled.end, taskId: null } : null;
}

/** A cap or top-up an operator may set: a whole number of credits within bounds. */
export function creditsIssue(value: unknown, what: string, allowZero: boolean): string | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return `${what} must be a whole number of credits`;
  if (value < (allowZero ? 0 : 1)) return `${what} must be ${allowZero ? 'at least 0' : 'positive'}`;
  if (value > LEDGER_LIMITS.maxCredits) return `${what} must be at most ${LEDGER_LIMITS.maxCredits}`;
  return null;
}
