/**
 * `rivya-sora2 replay`, the built binary as a user's CI runs it: the committed histories replay
 * (exit 0) in both file forms; a doctored copy does not (exit 1, the SDK's non-determinism reason
 * on the history's line); bad input is a usage error (exit 2); encrypted histories need the workers'
 * keys; --workflows replays against an application's own module. Then, on a real dev server, a
 * history exported with `temporal workflow show --output json` and the same run fetched by
 * --workflow-id and --query.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { startSora2Generation } from '../../src';
import { AesGcmPayloadCodec, CodecKeyRing } from '../../src/codec';
import { locateTemporalCli } from '../../tools/temporal-cli';
import { cleanEnv, runCli } from '../helpers/cli-process';
import { payloadsIn } from '../helpers/histories';
import { nextId } from '../helpers/ids';
import { FAST_POLLING, startTestStack, type TestStack } from '../helpers/stack';

const HistoryProto = temporal.api.history.v1.History;
const FIXTURES = join(__dirname, '..', 'fixtures', 'histories');
const committed = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.binpb'))
  .map((file) => join(FIXTURES, file));
const KILLED = join(FIXTURES, 'killed-7df4c5.binpb');

/** The protobuf JSON writer of the protobufjs copy @temporalio/proto is built on (the SDK's historyToJSON fails in this tree). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- from @temporalio/proto's folder, see above
const protoJson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [dirname(require.resolve('@temporalio/proto/package.json'))] }),
) as { toJson(type: unknown, message: unknown): any };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rivya-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const decode = (path: string) => HistoryProto.decode(readFileSync(path));
/** A committed history as JSON, changed by `doctor`, written to the temp folder. */
function jsonCopy(name: string, doctor: (json: any) => void = () => undefined, from = KILLED): string {
  const json = protoJson.toJson(HistoryProto, decode(from));
  doctor(json);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json, null, 2));
  return path;
}
const firstScheduled = (json: any) => json.events.find((event: any) => event.activityTaskScheduledEventAttributes);

test('the committed histories replay against the installed package: exit 0, one ok line per history', async () => {
  expect(committed.length).toBeGreaterThanOrEqual(4);
  const run = await runCli(['replay', ...committed], cleanEnv());
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(committed.length + 1);
  for (const file of committed) {
    const workflowId = decode(file).events[0]!.workflowExecutionStartedEventAttributes!.workflowId!;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ok +${workflowId} +sora2Generation, \\d+ events +\\(${file}\\)$`)));
  }
  expect(lines.at(-1)).toBe(`all ${committed.length} replayed`);
  expect(run.stderr).toContain("against this package's workflows (sora2Generation, sora2Batch, prebuilt bundle)");
});

test('JSON histories replay: protobuf JSON, and the Temporal CLI short enum names', async () => {
  const full = jsonCopy('full.json');
  const short = jsonCopy('short.json', (json) => {
    for (const event of json.events) {
      event.eventType = event.eventType
        .replace(/^EVENT_TYPE_/, '')
        .replace(/(^|_)([A-Z]+)/g, (_: string, _sep: string, word: string) => word[0] + word.slice(1).toLowerCase());
    }
    expect(json.events[0].eventType).toBe('WorkflowExecutionStarted');
  });
  const run = await runCli(['replay', full, short], cleanEnv());
  expect(run.stdout).toMatch(/^ok +killed-\d+-\d+ +sora2Generation, 35 events/m);
  expect(run.code).toBe(0);
});

test('an activity renamed in a scheduled event: exit 1, non-determinism named on that line, the others still ok', async () => {
  const renamed = jsonCopy(
    'renamed.json',
    (json) => (firstScheduled(json).activityTaskScheduledEventAttributes.activityType.name = 'renamedActivity'),
  );
  const run = await runCli(['replay', committed[0]!, renamed], cleanEnv());
  expect(run.code).toBe(1);
  const [good, bad, summary] = run.stdout.trim().split('\n');
  expect(good).toMatch(/^ok /);
  expect(bad).toMatch(/^FAIL +killed-\d+-\d+ +sora2Generation, 35 events +\(.*renamed\.json\): non-determinism: /);
  expect(bad).toContain(
    "[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'renamedActivity' does not match activity type of activity command 'rivyaCreateGeneration'",
  );
  expect(summary).toBe("1 of 2 did not replay; 1 by non-determinism: this workflow code would fail those workflows' next workflow task");

  const verbose = await runCli(['replay', '--verbose', renamed], cleanEnv());
  expect(verbose.code).toBe(1);
  expect(verbose.stdout).toContain('Replay failed with a nondeterminism error');
});

test('an event removed (binary form): exit 1 with the replayer reason', async () => {
  const history = decode(KILLED);
  history.events.splice(
    history.events.findIndex((event) => event.activityTaskScheduledEventAttributes),
    1,
  );
  const removed = join(dir, 'removed.binpb');
  writeFileSync(removed, HistoryProto.encode(history).finish());
  const run = await runCli(['replay', removed], cleanEnv());
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^FAIL +killed-\d+-\d+ +sora2Generation, 34 events .*: replay failed: .*History is out of order/m);
  expect(run.stdout).toMatch(/^1 of 1 did not replay$/m);
});

test("a workflow type that is not the package's: the line says to pass --workflows; --workflows replays it against that module", async () => {
  const pipeline = jsonCopy(
    'pipeline.json',
    (json) => (json.events[0].workflowExecutionStartedEventAttributes.workflowType.name = 'contentPipeline'),
  );
  const run = await runCli(['replay', pipeline], cleanEnv());
  expect(run.code).toBe(1);
  expect(run.stdout).toContain(
    'no such function is exported by the workflow bundle (contentPipeline is not a workflow of this package: replay it with --workflows <your workflows module>)',
  );

  // An application's workflows module (TypeScript, bundled here as its worker would): re-exports sora2Generation.
  const own = await runCli(
    ['replay', '--workflows', 'test/fixtures/workflows.ts', KILLED],
    cleanEnv(),
    120_000,
    join(__dirname, '..', '..'),
  );
  expect(own.stderr).toContain(`against the workflows of ${join(__dirname, '..', 'fixtures', 'workflows.ts')}`);
  expect(own.stdout).toMatch(/^ok +killed-/m);
  expect(own.code).toBe(0);
});

test('usage errors exit 2 before anything replays: a missing file, not a history, nothing given, unknown option, missing --workflows', async () => {
  const missing = await runCli(['replay', KILLED, join(dir, 'nope.json')], cleanEnv());
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(`error: ${join(dir, 'nope.json')}: no such file`);
  expect(missing.stdout).toBe('');

  const garbage = join(dir, 'garbage.json');
  writeFileSync(garbage, '{"events": ');
  expect(await runCli(['replay', garbage], cleanEnv())).toMatchObject({ code: 2, stderr: expect.stringContaining('not valid JSON') });
  writeFileSync(garbage, '{"workflowId": "x"}');
  expect(await runCli(['replay', garbage], cleanEnv())).toMatchObject({ code: 2, stderr: expect.stringContaining('no "events" array') });
  writeFileSync(garbage, 'not a history at all');
  expect(await runCli(['replay', garbage], cleanEnv())).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('neither a JSON history nor a binary'),
  });

  expect(await runCli(['replay'], cleanEnv())).toMatchObject({ code: 2, stderr: expect.stringContaining('nothing to replay') });
  expect((await runCli(['replay', '--bogus', KILLED], cleanEnv())).code).toBe(2);
  expect(await runCli(['replay', '--workflows', join(dir, 'none.ts'), KILLED], cleanEnv())).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('no such module'),
  });
});

test("an encrypted history replays with the workers' keys (RIVYA_CODEC_KEYS); without them the line says so", async () => {
  const key = { id: 'k1', key: randomBytes(32) };
  const codec = new AesGcmPayloadCodec(new CodecKeyRing([key]));
  const history = decode(KILLED);
  // As an encrypting worker writes it: every payload but search attributes and the SDK's patch markers.
  const payloads = payloadsIn(history.events).filter(
    ({ path }) => !path.includes('searchAttributes') && !/markerRecordedEventAttributes\.details\.patch-data/.test(path),
  );
  expect(payloads.length).toBeGreaterThan(5);
  for (const { payload } of payloads) Object.assign(payload, (await codec.encode([{ ...payload }]))[0]);
  const encrypted = join(dir, 'encrypted.binpb');
  writeFileSync(encrypted, HistoryProto.encode(history).finish());

  const keys = `k1:${key.key.toString('base64')}`;
  expect(await runCli(['replay', encrypted], cleanEnv({ RIVYA_CODEC_KEYS: keys }))).toMatchObject({ code: 0 });
  const without = await runCli(['replay', encrypted], cleanEnv());
  expect(without.code).toBe(1);
  expect(without.stdout).toContain("(its payloads are encrypted: set RIVYA_CODEC_KEYS or RIVYA_CODEC_KEY_FILE to the workers' keys)");
  const otherKey = await runCli(['replay', encrypted], cleanEnv({ RIVYA_CODEC_KEYS: `k2:${randomBytes(32).toString('base64')}` }));
  expect(otherKey.code).toBe(1);
  expect(otherKey.stdout).toContain('key id "k1", which is not in the key ring (ids: k2)');
  expect(await runCli(['replay', encrypted], cleanEnv({ RIVYA_CODEC_KEYS: 'garbage' }))).toMatchObject({ code: 2 });
});

describe('histories from a server', () => {
  let stack: TestStack;
  let workflowId: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stack = await startTestStack();
    stack.simulator.configure({ timing: { queuedMs: [100, 100], processingMs: { default: [400, 400] } } });
    workflowId = nextId('replay-cli');
    const handle = await startSora2Generation(
      stack.env.client,
      { prompt: '[sim:succeed] a lighthouse at dusk', polling: FAST_POLLING },
      { workflowId, taskQueue: stack.taskQueue },
    );
    await handle.result();
    env = cleanEnv({ TEMPORAL_ADDRESS: stack.env.address });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  test('`temporal workflow show --output json` writes a file the command replays', async () => {
    const cli = locateTemporalCli();
    if (!cli) throw new Error('the Temporal CLI is needed (global setup provides it)');
    const shown = execFileSync(cli.path, ['workflow', 'show', '-w', workflowId, '--output', 'json', '--address', stack.env.address], {
      encoding: 'utf8',
    });
    const file = join(dir, 'shown.json');
    writeFileSync(file, shown);
    const run = await runCli(['replay', file], cleanEnv());
    expect(run.stdout).toMatch(new RegExp(`^ok +${workflowId} +sora2Generation, \\d+ events`, 'm'));
    expect(run.code).toBe(0);
  });

  test('--workflow-id and --query fetch and replay; an unknown id is exit 2', async () => {
    const byId = await runCli(['replay', '--workflow-id', workflowId], env);
    expect(byId.stdout).toMatch(new RegExp(`^ok +${workflowId} +sora2Generation, \\d+ events +\\(server\\)$`, 'm'));
    expect(byId.code).toBe(0);

    const byQuery = await runCli(['replay', '--query', `WorkflowId = '${workflowId}'`], env);
    expect(byQuery.stdout).toMatch(new RegExp(`^ok +${workflowId} .*\\(server, --query\\)$`, 'm'));
    expect(byQuery.code).toBe(0);

    const unknown = await runCli(['replay', '--workflow-id', 'no-such-workflow'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no workflow with id no-such-workflow on the server');
  });
});
