/**
 * What the account budget promises under chaos, checked from Rivya's side (the simulator's ledger)
 * and the budget's final books — pure, so a negative test can feed it doctored evidence.
 */
import { check, type InvariantResult } from './check';

export interface BudgetChaosEvidence {
  /** The cap over time: [from epoch ms, cap], oldest first (an operator's top-up adds a step). */
  capSteps: Array<[number, number]>;
  /** The ledger entries of the budget's generations (reserve at create, refund when a task fails, capture on success). */
  ledger: Array<{ at: number; taskId: string; kind: 'reserve' | 'refund' | 'capture'; amount: number }>;
  /** The budget's books at the end. */
  books: { cap: number; spent: number; held: number };
  /** Runs that had not closed when the run ended. */
  stillRunning: string[];
}

export const BUDGET_INVARIANTS = {
  underCap: 'credits held at Rivya never exceed the cap',
  booksCover: 'the budget never counts less than Rivya holds',
  allClosed: 'every generation reached a terminal state',
} as const;

function capAt(steps: BudgetChaosEvidence['capSteps'], at: number): number {
  let cap = steps[0]?.[1] ?? 0;
  for (const [from, value] of steps) if (from <= at) cap = value;
  return cap;
}

/** Reserve − refund over time (captures keep what was reserved), releases first at equal times. */
export function heldAtRivya(ledger: BudgetChaosEvidence['ledger']): Array<{ at: number; held: number }> {
  const deltas = ledger
    .filter((entry) => entry.kind !== 'capture')
    .map((entry) => ({ at: entry.at, delta: entry.kind === 'reserve' ? entry.amount : -entry.amount }))
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let held = 0;
  return deltas.map(({ at, delta }) => ({ at, held: (held += delta) }));
}

export function checkBudgetInvariants(evidence: BudgetChaosEvidence): InvariantResult[] {
  const curve = heldAtRivya(evidence.ledger);
  const peak = curve.reduce((max, point) => Math.max(max, point.held), 0);
  const final = curve.at(-1)?.held ?? 0;
  return [
    check(
      BUDGET_INVARIANTS.underCap,
      curve
        .filter((point) => point.held > capAt(evidence.capSteps, point.at))
        .map((point) => `${point.held} held at ${new Date(point.at).toISOString()} over a cap of ${capAt(evidence.capSteps, point.at)}`),
      `peak ${peak} credits held at Rivya, cap ${evidence.capSteps.map(([, cap]) => cap).join(' → ')}`,
    ),
    check(
      BUDGET_INVARIANTS.booksCover,
      evidence.books.spent + evidence.books.held >= final
        ? []
        : [`books ${evidence.books.spent} spent + ${evidence.books.held} held < ${final} held or charged at Rivya`],
      `books ${evidence.books.spent} spent + ${evidence.books.held} held ≥ ${final} at Rivya`,
    ),
    check(BUDGET_INVARIANTS.allClosed, evidence.stillRunning, 'all closed'),
  ];
}
