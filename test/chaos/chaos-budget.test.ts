/**
 * Chaos for the account budget on the dev server (the scenario: budget-chaos-scenario.ts; the same
 * run on the PostgreSQL-backed cluster, with the Temporal server SIGKILLed too, is in
 * test/cluster/cluster.test.ts). CI profile well under 2 minutes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RivyaSimulator } from '../../simulator/index';
import { startTestTemporal } from '../helpers/temporal-env';
import { BUDGET_CHAOS_TITLE, expectBudgetChaosHeld, runBudgetChaos, startBudgetChaosSimulator } from './budget-chaos-scenario';

const TIMEOUT_MS = 100_000;

test(
  `budget chaos: ${BUDGET_CHAOS_TITLE}`,
  async () => {
    let env: TestWorkflowEnvironment | undefined;
    let simulator: RivyaSimulator | undefined;
    try {
      env = await startTestTemporal();
      simulator = await startBudgetChaosSimulator();
      const outcome = await runBudgetChaos({
        client: env.client,
        temporalAddress: env.address,
        simulator,
        taskQueue: 'chaos-budget',
        timeoutMs: TIMEOUT_MS,
      });
      expectBudgetChaosHeld(outcome);
    } finally {
      await simulator?.close();
      await env?.teardown();
    }
  },
  TIMEOUT_MS + 60_000,
);
