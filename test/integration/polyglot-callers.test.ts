/**
 * Callers in other languages (issue #29): the Python example (the `temporalio` PyPI package) and the
 * Go example (`go.temporal.io/sdk`), run as the programs a user would run, against the real dev
 * server, the simulator and our TypeScript worker. Each completes a generation (a retried start
 * attaching instead of paying twice), reads a typed failure, queries, updates and cancels; a Python
 * caller with the payload codec starts an encrypted generation, reads the encrypted result, and the
 * server's history holds only encrypted payloads.
 *
 * The programs are prepared by tools/polyglot/setup.sh (a venv, a `go build`); .ci/run runs it.
 * Without them these tests fail under CI=true and are skipped, loudly, elsewhere.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { Sora2Plugin } from '../../src';
import { AesGcmPayloadCodec, CodecKeyRing, ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY } from '../../src/codec';
import { createSora2Worker } from '../../src/worker/create-worker';
import { prebuiltWorkflowBundlePath } from '../../src/worker/workflow-bundle';
import { encodingOf, payloadsIn } from '../helpers/histories';
import { nextId } from '../helpers/ids';
import { runProgram } from '../helpers/cli-process';
import { TEST_API_KEY } from '../helpers/simulator';
import { FAST_POLLING, useTestStack } from '../helpers/stack';

const ROOT = join(__dirname, '..', '..');
const PYTHON = join(ROOT, 'examples', 'python', '.venv', 'bin', 'python');
const GO_CALLER = join(ROOT, 'examples', 'go', 'bin', 'rivya-sora2-go');
const SETUP = 'bash tools/polyglot/setup.sh';

interface Caller {
  language: string;
  ready: boolean;
  command: string;
  prefix: string[];
  cwd: string;
}

const callers: Caller[] = [
  { language: 'Python', ready: existsSync(PYTHON), command: PYTHON, prefix: ['-m', 'rivya_sora2'], cwd: join(ROOT, 'examples', 'python') },
  { language: 'Go', ready: existsSync(GO_CALLER), command: GO_CALLER, prefix: [], cwd: join(ROOT, 'examples', 'go') },
];

// Never a silent pass: in CI a missing caller is a failure; elsewhere a skip that says how to fix it.
for (const caller of callers.filter((c) => !c.ready)) {
  const message = `the ${caller.language} caller is not set up (${caller.command} missing): run \`${SETUP}\``;
  if (process.env.CI === 'true')
    test(`${caller.language} caller is set up`, () => {
      throw new Error(message);
    });
  else console.warn(`SKIPPED: ${message}`);
}

const stack = useTestStack();

interface Outcome {
  code: number | null;
  /** The program's one JSON line on stdout. */
  json: Record<string, any>;
  stderr: string;
}

/** Runs the caller program to its end and parses its JSON answer (killed and rejected after `timeoutMs`). */
function runCaller(caller: Caller, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 60_000): Promise<Outcome> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: 'default',
    RIVYA_TASK_QUEUE: stack.taskQueue,
    ...extraEnv,
  };
  const label = `${caller.language} caller ${args[0]}`;
  return runProgram(caller.command, [...caller.prefix, ...args], { env, cwd: caller.cwd, timeoutMs, label }).then(
    ({ code, stdout, stderr: output, signal }) => {
      const stderr = signal ? `${output}\n(ended by ${signal})` : output;
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        return { code, json: line ? (JSON.parse(line) as Record<string, any>) : {}, stderr };
      } catch {
        throw new Error(`${label} printed no JSON (exit ${code})\n${stdout}\n${stderr}`);
      }
    },
  );
}

/** The exit code, with the program's stderr in the failure message when it is not the one expected. */
function expectExit(outcome: Outcome, code: number): void {
  if (outcome.code !== code)
    throw new Error(`expected exit ${code}, got ${outcome.code}: ${JSON.stringify(outcome.json)}\n${outcome.stderr}`);
}

/**
 * The published contract (schema/, generated from the zod schemas): what a Python or Go caller
 * received must be what the JSON Schema promises, so a caller can type itself from those files.
 */
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats(ajv);
function expectMatchesSchema(name: string, value: unknown): void {
  if (!ajv.getSchema(name)) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schema', `${name}.json`), 'utf8')) as object, name);
  const validate = ajv.getSchema(name)!;
  if (!validate(value)) throw new Error(`not a ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
}

const taskCount = () => stack.simulator.store.tasks.size;

describe.each(callers.filter((c) => c.ready))('the $language caller', (caller) => {
  const run = (args: string[], env?: Record<string, string>) => runCaller(caller, args, env);

  test('completes a generation; a retried start attaches, another input under the id is refused', async () => {
    const workflowId = nextId(`${caller.language.toLowerCase()}-ok`);
    const input = JSON.stringify({ prompt: `[sim:succeed] a heron lifting off a lake, from ${caller.language}`, polling: FAST_POLLING });
    const tasksBefore = taskCount();

    const started = await run(['start', '--workflow-id', workflowId, '--input', input]);
    expect(started).toMatchObject({ code: 0, json: { workflowId } });
    expect(started.json.runId).toMatch(/\S/);
    const again = await run(['start', '--workflow-id', workflowId, '--input', input]);
    expect(again.json.runId).toBe(started.json.runId);

    const conflict = await run(['start', '--workflow-id', workflowId, '--input', JSON.stringify({ prompt: 'another video' })]);
    expectExit(conflict, 2);
    expect(conflict.json.conflict).toContain('different input');

    const result = await run(['result', '--workflow-id', workflowId]);
    expectExit(result, 0);
    expect(result.json).toMatchObject({ ok: true, result: { workflowId, status: 'succeeded', taskId: expect.any(String) } });
    expect(result.json.result.videoUrl).toMatch(/^https?:\/\//);
    expectMatchesSchema('sora2-generation-result', result.json.result);

    // Closed: REJECT_DUPLICATE refuses a second run, and the caller attaches to the outcome instead.
    const rerun = await run(['run', '--workflow-id', workflowId, '--input', input]);
    expect(rerun.json).toEqual(result.json);
    expect(taskCount() - tasksBefore).toBe(1);
  });

  test('reads a typed failure: a 10,001-character prompt is ValidationFailed with details', async () => {
    const workflowId = nextId(`${caller.language.toLowerCase()}-invalid`);
    const tasksBefore = taskCount();
    const outcome = await run(['run', '--workflow-id', workflowId, '--input', JSON.stringify({ prompt: 'x'.repeat(10_001) })]);
    expectExit(outcome, 3);
    expect(outcome.json).toMatchObject({
      ok: false,
      failure: { type: 'ValidationFailed', nonRetryable: true, details: { reason: 'invalid-input', workflowId, taskId: null } },
    });
    expect(outcome.json.failure.details.issues).toEqual([expect.objectContaining({ path: 'prompt' })]);
    expectMatchesSchema('sora2-generation-failure-details', outcome.json.failure.details);
    expect(taskCount()).toBe(tasksBefore); // nothing was paid for
  });

  test('queries sora2Status, sends operator Updates (one refused, typed) and cancels', async () => {
    const workflowId = nextId(`${caller.language.toLowerCase()}-steer`);
    // Webhooks lead and the safety net is far away: only an operator ends this wait in a test's time.
    const input = {
      prompt: '[sim:succeed] an operator is watching',
      polling: { expectedDurationMs: 600_000 },
      completion: { webhooks: true },
    };
    expectExit(await run(['start', '--workflow-id', workflowId, '--input', JSON.stringify(input)]), 0);

    const status = await run(['status', '--workflow-id', workflowId, '--until-phase', 'polling', '--with-task']);
    expectExit(status, 0);
    expect(status.json.status).toMatchObject({ phase: 'polling', taskId: expect.any(String), completion: { webhooks: true } });

    const extended = await run(['update', '--workflow-id', workflowId, '--name', 'sora2ExtendDeadline', '--arg', '{"byMs":600000}']);
    expectExit(extended, 0);
    const { previousDeadlineAt, deadlineAt } = extended.json.result as { previousDeadlineAt: string; deadlineAt: string };
    expect(Date.parse(deadlineAt) - Date.parse(previousDeadlineAt)).toBe(600_000);

    const refused = await run(['update', '--workflow-id', workflowId, '--name', 'sora2SetPolling', '--arg', '{"minIntervalMs":5}']);
    expectExit(refused, 3);
    expect(refused.json.failure).toMatchObject({ type: 'InvalidOperatorUpdate', message: expect.stringContaining('minIntervalMs') });

    expect((await run(['cancel', '--workflow-id', workflowId])).json).toMatchObject({ ok: true, cancelRequested: true });
    const cancelled = await run(['result', '--workflow-id', workflowId]);
    expectExit(cancelled, 3);
    expect(cancelled.json.failure).toMatchObject({ type: 'GenerationCancelled', details: { workflowId, reason: expect.any(String) } });
    expectMatchesSchema('sora2-generation-failure-details', cancelled.json.failure.details);
    const after = await run(['status', '--workflow-id', workflowId]);
    expect(after.json.status.phase).toBe('cancelled');
  });
});

const python = callers[0]!;
(python.ready ? describe : describe.skip)('an encrypted generation started from Python', () => {
  const k1 = { id: 'k1', key: randomBytes(32) };
  const k2 = { id: 'k2', key: randomBytes(32) };
  const keysEnv = (...keys: { id: string; key: Buffer }[]) => ({
    RIVYA_CODEC_KEYS: keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
  });
  const taskQueue = `polyglot-encrypted-${process.pid}`;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    ({ worker } = await createSora2Worker({
      connection: stack.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      plugin: { apiKey: TEST_API_KEY, baseUrl: stack.simulator.url, encryption: { keys: [k1] } },
      worker: { workflowBundle: { codePath: prebuiltWorkflowBundlePath() } },
    }));
    running = worker.run();
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
  });

  test('the TypeScript worker decrypts its input and encrypts its result, which Python decrypts; history holds only ciphertext', async () => {
    const secret = `confidential-${randomUUID()}`;
    const workflowId = nextId('python-encrypted');
    const input = { prompt: `[sim:succeed] ${secret} a lighthouse at dusk`, polling: FAST_POLLING, metadata: { title: secret } };
    const env = { ...keysEnv(k1), RIVYA_TASK_QUEUE: taskQueue };

    const outcome = await runCaller(python, ['run', '--workflow-id', workflowId, '--input', JSON.stringify(input)], env);
    expectExit(outcome, 0);
    expect(outcome.json).toMatchObject({ ok: true, result: { workflowId, status: 'succeeded', metadata: { title: secret } } });

    // The server's history as stored: the raw service call, no codec anywhere.
    const page = await stack.env.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
    const history = page.history!;
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    const found = payloadsIn(history.events).filter(
      ({ path }) => !path.includes('searchAttributes') && !/markerRecordedEventAttributes\.details\.patch-data/.test(path),
    );
    expect(found.length).toBeGreaterThan(5);
    expect(found.filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING).map(({ path }) => path)).toEqual([]);
    for (const { payload } of found) expect(Buffer.from(payload.metadata![KEY_ID_METADATA_KEY]!).toString()).toBe('k1');

    // Python wrote the input (the started event), TypeScript the result (the completed event): each opens the other's.
    const [startedEvent] = history.events!;
    const [pythonInput] = await new AesGcmPayloadCodec(new CodecKeyRing([k1])).decode(
      startedEvent!.workflowExecutionStartedEventAttributes!.input!.payloads!,
    );
    expect(JSON.parse(Buffer.from(pythonInput!.data!).toString())).toEqual(input);
    const tsClient = new Client({ connection: stack.env.client.connection, plugins: [new Sora2Plugin({ encryption: { keys: [k1] } })] });
    expect(await tsClient.workflow.getHandle(workflowId).result()).toEqual(outcome.json.result);

    // Rotation: [k2, k1] still reads it; [k2] alone fails, naming the key id and never a key.
    const rotated = await runCaller(python, ['result', '--workflow-id', workflowId], { ...keysEnv(k2, k1), RIVYA_TASK_QUEUE: taskQueue });
    expect(rotated.json).toEqual(outcome.json);
    const withoutK1 = await runCaller(python, ['result', '--workflow-id', workflowId], {
      ...keysEnv(k2),
      RIVYA_TASK_QUEUE: taskQueue,
    }).catch((err: Error) => ({ code: null, json: {}, stderr: err.message }));
    expect(withoutK1.code).not.toBe(0);
    expect(withoutK1.stderr).toContain('"k1", which is not in the key ring');
    expect(withoutK1.stderr).not.toContain(k2.key.toString('base64'));
  });
});
