/**
 * The simulator as a standalone process: `node dist/src/simulator/main.js`.
 * RIVYA_SIMULATOR_PORT (default 8787), RIVYA_SIMULATOR_HOST (default 127.0.0.1) and
 * RIVYA_SIMULATOR_CONFIG (JSON, same shape as POST /_simulator/config) steer it.
 */
import { startRivyaSimulator } from './server';
import type { SimulatorConfigInput } from './config';

export async function runStandaloneSimulator(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = env.RIVYA_SIMULATOR_CONFIG ? (JSON.parse(env.RIVYA_SIMULATOR_CONFIG) as SimulatorConfigInput) : {};
  const simulator = await startRivyaSimulator({
    ...config,
    port: Number(env.RIVYA_SIMULATOR_PORT ?? 8787),
    host: env.RIVYA_SIMULATOR_HOST ?? '127.0.0.1',
  });
  console.log(`Rivya simulator listening on ${simulator.url}`);
  const stop = () => {
    simulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  runStandaloneSimulator().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
