/** `rivya-sora2-temporal/simulator`: the Rivya API v1 simulator for tests, local runs and benchmarks. */
export { startRivyaSimulator, type RivyaSimulator, type StartSimulatorOptions } from './server';
export {
  DEFAULT_SIMULATOR_API_KEY,
  FAULT_KINDS,
  FORCE_FAIL_MARKER,
  FORCE_SUCCEED_MARKER,
  SIMULATED_ENDPOINTS,
  type FaultKind,
  type SimulatedEndpoint,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from './config';
export type { SimulatorStats, TaskStats } from './stats';
