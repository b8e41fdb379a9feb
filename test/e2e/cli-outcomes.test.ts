/**
 * The CLI's outcomes and exit codes, as users run it: the built binary against its own `dev`
 * stack (real dev server, simulator, worker) on free ports.
 * Exit codes: 0 ok, 1 generation failed / unavailable, 2 invalid input or conflict, 130 interrupted.
 */
import { createServer, type AddressInfo } from 'node:net';
import { waitFor } from '../helpers/simulator';
import { cleanEnv, runCli, startCli } from '../helpers/cli-process';
import { useDevRun } from '../helpers/dev-run';
import { nextId as id } from '../helpers/ids';

const dev = useDevRun('cli-outcomes');
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  env = dev.env;
});
const { simulatorAdmin } = dev;

async function untilTaskExists(workflowId: string): Promise<void> {
  await waitFor(
    async () => ((await runCli(['status', workflowId], env)).stdout.includes('"taskId": "task_') ? true : undefined),
    30_000,
    300,
  );
}

test('the same --workflow-id with another prompt is refused with exit 2; the same prompt attaches', async () => {
  const workflowId = id('cli-conflict');
  expect((await runCli(['generate', '--prompt', '[sim:succeed] a red kite', '--workflow-id', workflowId], env)).code).toBe(0);
  const other = await runCli(['generate', '--prompt', '[sim:succeed] a blue kite', '--workflow-id', workflowId, '--wait'], env);
  expect(other.code).toBe(2);
  expect(other.stderr).toContain(`error: workflow id ${workflowId} is already used by a run with different input`);
  expect(other.stdout).not.toMatch(/succeeded/);
  // The whole checked input is compared (polling options too): the same command again attaches.
  const same = await runCli(['generate', '--prompt', '[sim:succeed] a red kite', '--workflow-id', workflowId], env);
  expect(same.code).toBe(0);
  expect(same.stdout.trim()).toBe(workflowId);
  await runCli(['cancel', workflowId], env);
});

test('a rejected reference is invalid input: exit 2, no "remote error"', async () => {
  const run = await runCli(['generate', '--prompt', '[sim:succeed] with a missing reference', '--reference', 'nope.png', '--wait'], env);
  // With the output in the failure message: this once exited 1 under a full, loaded run.
  if (run.code !== 2) throw new Error(`exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  expect(run.stderr).toMatch(/failed: ValidationFailed: reference rejected/);
  expect(run.stderr).toMatch(/ {2}invalid reference: /);
  expect(run.stderr).not.toMatch(/remote error/);
});

test('cancel and status agree on a cancelled run; cancel on a finished run says so and exits 2', async () => {
  const workflowId = id('cli-cancelled');
  // dev's tasks take seconds: under load one ended before the cancel reached it (exit 2, "already
  // finished"). Queued for two minutes, this one is still running whenever the cancel comes.
  const { timing } = await dev.simulatorRead<{ timing: unknown }>('/_simulator/config');
  await simulatorAdmin('/_simulator/config', { timing: { queuedMs: [120_000, 120_000] } });
  try {
    expect((await runCli(['generate', '--prompt', '[sim:succeed] to be cancelled', '--workflow-id', workflowId], env)).code).toBe(0);
    await untilTaskExists(workflowId);
  } finally {
    await simulatorAdmin('/_simulator/config', { timing });
  }
  const cancelled = await runCli(['cancel', workflowId], env);
  expect(cancelled.code).toBe(0);
  expect(cancelled.stdout).toContain(`workflow ${workflowId}: cancelled (Temporal status FAILED)`);
  const status = await runCli(['status', workflowId], env);
  expect(status.code).toBe(1);
  expect(status.stdout).toContain(`workflow ${workflowId}: cancelled (Temporal status FAILED)`);
  // Same report lines in both.
  expect(status.stdout).toBe(cancelled.stdout);

  const again = await runCli(['cancel', workflowId], env);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`workflow ${workflowId} had already finished; nothing to cancel`);
  expect(again.stdout).toContain(`workflow ${workflowId}: cancelled`);
});

test('cancel on a generation that succeeded: already finished, exit 2, its result shown', async () => {
  const workflowId = id('cli-done');
  const run = await runCli(
    ['generate', '--prompt', '[sim:succeed] quick one', '--workflow-id', workflowId, '--expected-duration', '8', '--wait'],
    env,
  );
  expect(run.code).toBe(0);
  // Plain (piped) progress shows when the next status check is.
  expect(run.stderr).toMatch(/\| next check at \d\d:\d\d:\d\dZ/);
  const cancel = await runCli(['cancel', workflowId], env);
  expect(cancel.code).toBe(2);
  expect(cancel.stderr).toContain('had already finished; nothing to cancel');
  expect(cancel.stdout).toContain(`workflow ${workflowId}: succeeded (Temporal status COMPLETED)`);
});

test('status of an unknown workflow id: exit 2, said plainly', async () => {
  const run = await runCli(['status', id('cli-nobody')], env);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^error: no generation with workflow id cli-nobody-/);
});

test('Ctrl-C on generate --wait: exit 130, the generation continues and the way to follow it is printed', async () => {
  const workflowId = id('cli-interrupt');
  const waiting = startCli(['generate', '--prompt', '[sim:succeed] keep going', '--workflow-id', workflowId, '--wait'], env);
  await waitFor(() => (waiting.output().includes('phase ') ? true : undefined), 30_000, 100);
  expect(await waiting.stop('SIGINT')).toBe(130);
  expect(waiting.output()).toContain(`the generation ${workflowId} continues`);
  expect(waiting.output()).toContain(`rivya-sora2 status ${workflowId}`);
  const status = await runCli(['status', workflowId], env);
  expect(status.stdout).toMatch(/RUNNING|succeeded/);
});

test('while an activity retries, status shows the attempt and the last failure', async () => {
  await simulatorAdmin('/_simulator/config', { faults: { createGeneration: { script: ['reset', 'reset', 'reset', 'reset', 'reset'] } } });
  const workflowId = id('cli-retrying');
  try {
    expect((await runCli(['generate', '--prompt', '[sim:succeed] through resets', '--workflow-id', workflowId], env)).code).toBe(0);
    const status = await waitFor(
      async () => {
        const run = await runCli(['status', workflowId], env);
        return /retrying: attempt [2-9]/.test(run.stdout) ? run : undefined;
      },
      30_000,
      300,
    );
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /rivyaCreateGeneration retrying: attempt \d+ of 20, last failure: .+, next attempt in \d+s, gives up in \d+s/,
    );
    expect(status.stdout).toMatch(/"retrying": \[/);
  } finally {
    await simulatorAdmin('/_simulator/config', { faults: { createGeneration: { script: [] } } });
    await runCli(['cancel', workflowId], env);
  }
});

test('an unreachable TEMPORAL_ADDRESS is named, quickly, without a transport dump', async () => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
  // Liveness, not speed: a CLI still retrying the connection after 30 s is killed and fails the test.
  const run = await runCli(['status', 'anything'], cleanEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }), 30_000);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`cannot reach the Temporal server at 127.0.0.1:${port}`);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
});
