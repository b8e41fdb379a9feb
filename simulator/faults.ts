/** Decides, per request, which injected fault (if any) applies: scripted faults first, then rates. */
import type { FaultKind, FaultRules, SimulatedEndpoint, SimulatorConfig } from './config';
import type { Random } from './random';

export interface FaultDecision {
  kind: FaultKind;
  rules: FaultRules;
}

export class FaultInjector {
  constructor(private readonly random: () => Random) {}

  decide(config: SimulatorConfig, endpoint: SimulatedEndpoint): FaultDecision | undefined {
    for (const rules of [config.faults[endpoint], config.faults['*']]) {
      if (!rules) continue;
      const scripted = rules.script.shift();
      if (scripted) return { kind: scripted, rules };
      const draw = this.random()();
      let cumulative = 0;
      for (const [kind, rate] of Object.entries(rules.rates) as [FaultKind, number][]) {
        cumulative += rate;
        if (draw < cumulative) return { kind, rules };
      }
    }
    return undefined;
  }
}
