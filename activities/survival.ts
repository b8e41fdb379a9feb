/**
 * The Kaplan–Meier estimate of a duration distribution from right-censored observations: some
 * tasks finished (an event at their duration), others are only known to have taken at least
 * some time (still running at their age, or failed then). Weighted, so older observations can
 * count for less. Pure: the learner and its tests share it.
 */

export interface Observation {
  /** The duration (an event) or the age it is known to exceed (censored). */
  timeMs: number;
  event: boolean;
  /** How much it counts, in (0, 1]. */
  weight: number;
}

/**
 * The smallest duration t with estimated P(duration ≤ t) ≥ q, or null when the observations do
 * not reach q (too many tasks still running past the last finish).
 */
export function quantileOfSurvival(observations: readonly Observation[], q: number): number | null {
  const byTime = [...observations].sort((a, b) => a.timeMs - b.timeMs || Number(b.event) - Number(a.event));
  let atRisk = byTime.reduce((sum, observation) => sum + observation.weight, 0);
  let survival = 1;
  let index = 0;
  while (index < byTime.length) {
    const timeMs = byTime[index]!.timeMs;
    let finished = 0;
    let leaving = 0;
    // Events and censorings at the same time: the events count first (a task censored at t was at risk at t).
    for (; index < byTime.length && byTime[index]!.timeMs === timeMs; index += 1) {
      const observation = byTime[index]!;
      if (observation.event) finished += observation.weight;
      leaving += observation.weight;
    }
    if (finished > 0 && atRisk > 0) {
      survival *= 1 - finished / atRisk;
      if (1 - survival >= q - 1e-12) return timeMs;
    }
    atRisk -= leaving;
  }
  return null;
}
