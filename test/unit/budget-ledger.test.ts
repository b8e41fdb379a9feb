/** The budget's books (workflows/budget/ledger.ts): grants within the cap, idempotent by lease id, refunds and spends. */
import {
  availableCredits,
  commitLease,
  decideLease,
  emptyBooks,
  grantLease,
  LEDGER_LIMITS,
  settleLease,
} from '../../workflows/budget/ledger';
import { leaseWaitDelayMs } from '../../activities/budget-lease';
import { budgetNameOf, DEFAULT_BUDGET_NAME } from '../../workflows/budget/input';
import { generationInput } from '../../tools/cli/commands/generate';

test('leases fit under cap − spent − held; the one that does not is refused with the numbers', () => {
  const books = emptyBooks('team', 12);
  expect(decideLease(books, { leaseId: 'a', credits: 6 })).toEqual({ kind: 'grant' });
  grantLease(books, { leaseId: 'a', credits: 6 }, 0);
  grantLease(books, { leaseId: 'b', credits: 6 }, 0);
  expect(decideLease(books, { leaseId: 'c', credits: 6 })).toEqual({
    kind: 'refuse',
    refusal: { budget: 'team', requested: 6, available: 0, cap: 12, spent: 0, held: 12 },
  });
  expect(decideLease(books, { leaseId: '', credits: 6 }).kind).toBe('invalid');
  expect(decideLease(books, { leaseId: 'd', credits: 0 }).kind).toBe('invalid');
});

test('asking twice returns the same lease; a settled one is answered, never granted again', () => {
  const books = emptyBooks('team', 6);
  const first = grantLease(books, { leaseId: 'a', credits: 6 }, 0);
  expect(decideLease(books, { leaseId: 'a', credits: 6 })).toEqual({ kind: 'existing' });
  expect(grantLease(books, { leaseId: 'a', credits: 6 }, 1)).toEqual(first);
  expect(commitLease(books, 'a', 'task_1')).toMatchObject({ state: 'committed', taskId: 'task_1' });
  expect(settleLease(books, 'a', 'spent')).toMatchObject({ state: 'spent', credits: 6 });
  expect(settleLease(books, 'a', 'spent')).toMatchObject({ state: 'spent' });
  expect(books.spent).toBe(6);
  expect(decideLease(books, { leaseId: 'a', credits: 6 })).toEqual({ kind: 'existing' });
  expect(grantLease(books, { leaseId: 'a', credits: 6 }, 2)).toMatchObject({ state: 'spent' });
  expect(availableCredits(books)).toBe(0);
});

test('refunded and released credits come back; spent counts what Rivya charged', () => {
  const books = emptyBooks('team', 20);
  grantLease(books, { leaseId: 'a', credits: 6 }, 0);
  grantLease(books, { leaseId: 'b', credits: 6 }, 0);
  grantLease(books, { leaseId: 'c', credits: 6 }, 0);
  settleLease(books, 'a', 'refunded');
  settleLease(books, 'b', 'released');
  settleLease(books, 'c', 'spent', 5);
  expect(books).toMatchObject({ spent: 5, refundedCredits: 6, leases: {} });
  expect(availableCredits(books)).toBe(15);
});

test('the settled ids kept for idempotency are bounded', () => {
  const books = emptyBooks('team', 1_000_000);
  for (let i = 0; i < LEDGER_LIMITS.settledRemembered + 50; i += 1) {
    grantLease(books, { leaseId: `g${i}`, credits: 1 }, 0);
    settleLease(books, `g${i}`, 'released');
  }
  expect(books.settled).toHaveLength(LEDGER_LIMITS.settledRemembered);
});

test('the budget name defaults to the paying account, then to "default"; waits grow to ~15 s, jittered', () => {
  expect(budgetNameOf({ name: 'launch' }, 'acme')).toBe('launch');
  expect(budgetNameOf({}, 'acme')).toBe('acme');
  expect(budgetNameOf({}, undefined)).toBe(DEFAULT_BUDGET_NAME);
  expect(leaseWaitDelayMs(1, () => 0.5)).toBe(1_000);
  expect(leaseWaitDelayMs(50, () => 0.5)).toBe(15_000);
  expect(leaseWaitDelayMs(50, () => 0)).toBe(11_250);
});

test("generate's --budget [name] and --when-budget-exhausted become the input's accountBudget", () => {
  const base = { prompt: 'p', taskQueue: 'q' };
  expect(generationInput(base).accountBudget).toBeUndefined();
  expect(generationInput({ ...base, budget: true }).accountBudget).toEqual({});
  expect(generationInput({ ...base, budget: 'team', whenBudgetExhausted: 'wait' }).accountBudget).toEqual({
    name: 'team',
    whenExhausted: 'wait',
  });
});
