/**
 * Rows of the policies table say what they ran: a fixed poller whose interval the 1 s input floor
 * raised at the distribution's time scale is labelled with the interval it really had.
 */
import { floorDistortion, POLICIES } from '../../bench/policies';
import { receiverText } from '../../bench/cluster-report';
import { policyAsRun, rotationCoverage } from '../../bench/report';

const policy = (name: string) => POLICIES.find((p) => p.name === name)!;

test('a fixed 0.5 s poller at time scale 0.5 ran at 2 s and says so', () => {
  const p = policy('fixed 0.5 s');
  expect(policyAsRun({ policy: p.name, floorDistortion: floorDistortion(p, 0.5) })).toBe('fixed 0.5 s (ran at 2 s: the 1 s floor)');
});

test('a row whose first check alone was raised names that, and an undistorted row keeps its name', () => {
  const fixed2 = policy('fixed 2 s');
  expect(policyAsRun({ policy: fixed2.name, floorDistortion: floorDistortion(fixed2, 0.5) })).toBe('fixed 2 s');
  expect(policyAsRun({ policy: fixed2.name, floorDistortion: floorDistortion(fixed2, 0.25) })).toBe(
    'fixed 2 s (ran at 4 s: the 1 s floor)',
  );
  expect(policyAsRun({ policy: 'default', floorDistortion: ['firstCheckAfterMs 2.5 s → 4 s'] })).toBe(
    'default (first check at 4 s: the 1 s floor)',
  );
  expect(policyAsRun({ policy: 'webhooks on' })).toBe('webhooks on');
});

test('the server comparison shows what the webhook receiver answered, most frequent first', () => {
  expect(receiverText({ receiverOutcomes: { signalled: 336, 'temporal-unavailable': 1_463, closed: 0 } })).toBe(
    '; receiver answered 1799: temporal-unavailable 1463, signalled 336',
  );
  expect(receiverText({})).toBe('');
});

test('the worker-cost rotation claims every position only when every policy had every position', () => {
  expect(
    rotationCoverage([
      { policy: 'a', positions: [1, 2] },
      { policy: 'b', positions: [2, 1] },
    ]),
  ).toBe(', so each policy ran at each position');
  expect(
    rotationCoverage([
      { policy: 'a', positions: [1, 4] },
      { policy: 'b', positions: [2, 1] },
      { policy: 'c', positions: [3, 2] },
      { policy: 'd', positions: [4, 3] },
    ]),
  ).toBe(', but 2 rounds for 4 policies cover only some positions (a: 1, 4; b: 2, 1; c: 3, 2; d: 4, 3)');
});
