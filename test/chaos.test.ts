/**
 * Chaos: a few hundred generations (CHAOS_PROFILE=full, `npm run test:chaos`) or a bounded set
 * (the default `ci` profile, part of `npm test`) through faults, kills and a server restart.
 * Every invariant must hold; the full profile also writes RELIABILITY.md.
 */
import { join } from 'node:path';
import { runChaos } from './chaos/chaos-run';
import { checkInvariants } from './chaos/invariants';
import { chaosProfile } from './chaos/profiles';
import { readHostileCounts } from './chaos/hostile-counts';
import { writeReliabilityReport } from './chaos/report';

const profile = chaosProfile();

test(`chaos (${profile.name}: ${profile.workflows} generations, kills, a second worker, a server restart) keeps every invariant`, async () => {
  const evidence = await runChaos(profile);
  const invariants = checkInvariants(evidence);
  if (profile.name === 'full' || process.env.CHAOS_REPORT === '1') {
    writeReliabilityReport(
      join(__dirname, '..', 'RELIABILITY.md'),
      evidence,
      invariants,
      readHostileCounts(profile.name, new Date(evidence.startedAt)),
    );
  }
  const injected = Object.values(evidence.stats.counters).reduce((n, c) => n + Object.values(c.faults).reduce((a, b) => a + b, 0), 0);
  console.log(
    `chaos ${profile.name}: ${evidence.outcomes.length} generations in ${(evidence.durationMs / 1000).toFixed(0)} s, ` +
      `${injected} faults, ${evidence.actions.kills} kills, ${evidence.actions.serverRestarts} server restart(s)\n` +
      invariants.map((inv) => `  ${inv.passed ? 'held  ' : 'BROKEN'} ${inv.name}: ${inv.detail}`).join('\n'),
  );
  expect(evidence.actions.kills).toBeGreaterThanOrEqual(1);
  expect(evidence.actions.serverRestarts).toBe(1);
  expect(evidence.actions.secondWorkerLeaves).toBe(1);
  expect(injected).toBeGreaterThan(profile.workflows / 4);
  expect(invariants.filter((inv) => !inv.passed)).toEqual([]);
}, 900_000);
