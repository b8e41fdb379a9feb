/**
 * The budget invariants must be able to fail: the same checks on doctored evidence — a reserve
 * over the cap, a refund that never happened, books that count less than Rivya holds — report
 * each break; the untouched evidence passes. No server: the checks are pure.
 */
import { BUDGET_INVARIANTS, checkBudgetInvariants, type BudgetChaosEvidence } from './budget-invariants';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const honest: BudgetChaosEvidence = {
  capSteps: [
    [0, 12],
    [T0 + 10_000, 18],
  ],
  ledger: [
    { at: T0 + 1_000, taskId: 't1', kind: 'reserve', amount: 6 },
    { at: T0 + 1_100, taskId: 't2', kind: 'reserve', amount: 6 },
    { at: T0 + 3_000, taskId: 't2', kind: 'refund', amount: 6 },
    { at: T0 + 3_000, taskId: 't3', kind: 'reserve', amount: 6 },
    { at: T0 + 4_000, taskId: 't1', kind: 'capture', amount: 6 },
    { at: T0 + 11_000, taskId: 't4', kind: 'reserve', amount: 6 },
  ],
  books: { cap: 18, spent: 18, held: 0 },
  stillRunning: [],
};

const passed = (evidence: BudgetChaosEvidence) => Object.fromEntries(checkBudgetInvariants(evidence).map((inv) => [inv.name, inv.passed]));

test('honest evidence keeps every budget invariant', () => {
  expect(passed(honest)).toEqual({
    [BUDGET_INVARIANTS.underCap]: true,
    [BUDGET_INVARIANTS.booksCover]: true,
    [BUDGET_INVARIANTS.allClosed]: true,
  });
});

test('a task created over the cap (a lease released while its create was unknown) breaks "never over the cap"', () => {
  const doctored = { ...honest, ledger: [...honest.ledger, { at: T0 + 2_000, taskId: 'orphan', kind: 'reserve' as const, amount: 6 }] };
  const result = checkBudgetInvariants(doctored).find((inv) => inv.name === BUDGET_INVARIANTS.underCap)!;
  expect(result.passed).toBe(false);
  expect(result.detail).toMatch(/18 held at .* over a cap of 12/);
});

test('a refund dropped from the ledger, or books short of what Rivya holds, are caught', () => {
  const noRefund = { ...honest, ledger: honest.ledger.filter((entry) => entry.kind !== 'refund') };
  expect(passed(noRefund)[BUDGET_INVARIANTS.underCap]).toBe(false);
  expect(passed({ ...honest, books: { cap: 18, spent: 12, held: 0 } })[BUDGET_INVARIANTS.booksCover]).toBe(false);
  expect(passed({ ...honest, stillRunning: ['gen-7'] })[BUDGET_INVARIANTS.allClosed]).toBe(false);
});
