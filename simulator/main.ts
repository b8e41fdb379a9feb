/**
 * The simulator as a standalone process: `node dist/simulator/main.js`.
 * RIVYA_SIMULATOR_PORT (default 8787), RIVYA_SIMULATOR_HOST (default 127.0.0.1, loopback only),
 * RIVYA_SIMULATOR_ADMIN_TOKEN (default: a random token per start, printed once) and
 * RIVYA_SIMULATOR_CONFIG (JSON, same shape as POST /_simulator/config) steer it.
 */
import { ADMIN_TOKEN_ENV, generateAdminToken } from './admin';
import { DEFAULT_SIMULATOR_API_KEY, type SimulatorConfigInput } from './config';
import { startRivyaSimulator } from './server';

export async function runStandaloneSimulator(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = env.RIVYA_SIMULATOR_CONFIG ? (JSON.parse(env.RIVYA_SIMULATOR_CONFIG) as SimulatorConfigInput) : {};
  const givenToken = env[ADMIN_TOKEN_ENV] || undefined;
  const simulator = await startRivyaSimulator({
    ...config,
    port: Number(env.RIVYA_SIMULATOR_PORT ?? 8787),
    host: env.RIVYA_SIMULATOR_HOST ?? '127.0.0.1',
    // Generated here rather than by the server: this `env`, not process.env, decides.
    adminToken: givenToken ?? generateAdminToken(),
  });
  console.log(`Rivya simulator listening on ${simulator.url}`);
  // The API key is printed only when it is the public local default, never one from the config.
  const keys = simulator.config().apiKeys;
  if (keys.some(({ key }) => key === DEFAULT_SIMULATOR_API_KEY)) console.log(`  API key: ${DEFAULT_SIMULATOR_API_KEY}`);
  else console.log(`  API keys: ${keys.length} from RIVYA_SIMULATOR_CONFIG`);
  // A token the operator chose is not echoed into logs; a generated one is shown once, here.
  const shownToken = givenToken ? `(from ${ADMIN_TOKEN_ENV})` : simulator.adminToken;
  console.log(`  admin token: ${shownToken}   (admin routes /_simulator/* want Authorization: Bearer <admin token>)`);
  const stop = () => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
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
