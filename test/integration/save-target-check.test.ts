/**
 * A save target the worker cannot use is refused before the paid create (issue #27, item 1): the
 * real Temporal dev server, the Rivya simulator (its ledger says whether a task was created) and a
 * real S3-compatible server (moto). Each refused run ends ValidationFailed with no task; a usable
 * target still saves.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Worker } from '@temporalio/worker';
import { Sora2Plugin, startSora2Batch, startSora2Generation, type Sora2GenerationInput } from '../../src';
import { savedFileName } from '../../src/storage';
import { startS3TestServer, type S3TestServer } from '../../tools/testing/s3-server';
import { nextId } from '../helpers/ids';
import { TEST_API_KEY } from '../helpers/simulator';
import { FAST_POLLING, generationFailureOf, useTestStack } from '../helpers/stack';
import { prebuiltWorkflowBundle } from '../helpers/workflow-bundle';

jest.setTimeout(180_000);

const saveRoot = realpathSync(mkdtempSync(join(tmpdir(), 'rivya-save-check-')));
// A file where the target wants a directory: no retry can make `blocked/videos` writable.
writeFileSync(join(saveRoot, 'blocked'), 'not a directory');

let s3Server: S3TestServer;
let s3: S3Client;
let s3Worker: { taskQueue: string; stop: () => Promise<void> };

// Registered before the stack's own afterAll (hooks run in order): the extra worker lets go of the connection first.
afterAll(async () => {
  await s3Worker?.stop();
});

const stack = useTestStack({
  workflowsPath: require.resolve('../../src/worker/workflows'),
  // Saving downloads the simulator's video over loopback http: allowed for this test worker only.
  plugin: { saveDirectory: saveRoot, referenceUrlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
});

/** The AWS chain of this process, emptied: no region, no credentials, no profile files, no instance metadata. */
const AWS_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
];
const savedEnv = { ...process.env };

beforeAll(async () => {
  for (const name of AWS_VARIABLES) delete process.env[name];
  process.env.AWS_CONFIG_FILE = join(saveRoot, 'no-aws-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(saveRoot, 'no-aws-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';

  s3Server = await startS3TestServer({ log: (line) => console.log(line) });
  s3 = new S3Client({
    endpoint: s3Server.endpoint,
    region: s3Server.env.AWS_REGION,
    credentials: { accessKeyId: s3Server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3Server.env.AWS_SECRET_ACCESS_KEY! },
    forcePathStyle: true,
  });
  // A second worker that reaches moto through a ready client (and has no save directory).
  const taskQueue = `save-check-s3-${process.pid}`;
  const worker = await Worker.create({
    connection: stack.env.nativeConnection,
    taskQueue,
    workflowBundle: await prebuiltWorkflowBundle(require.resolve('../../src/worker/workflows')),
    plugins: [
      new Sora2Plugin({
        apiKey: TEST_API_KEY,
        baseUrl: stack.simulator.url,
        s3Client: s3,
        referenceUrlPolicy: { allowHttp: true, allowPrivateNetworks: true },
      }),
    ],
  });
  const running = worker.run();
  s3Worker = {
    taskQueue,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    },
  };
}, 240_000);

afterAll(async () => {
  s3?.destroy();
  await s3Server?.stop();
  process.env = savedEnv;
  rmSync(saveRoot, { recursive: true, force: true });
});

const generation = (to: string): Sora2GenerationInput => ({ prompt: '[sim:succeed] a saved clip', polling: FAST_POLLING, save: { to } });

/** Tasks the simulator created under this id (the Idempotency-Key is the workflow id). */
const tasksFor = (workflowId: string) => stack.simulator.stats().tasks.filter((task) => task.idempotencyKey === workflowId);
const tasksUnder = (prefix: string) => stack.simulator.stats().tasks.filter((task) => task.idempotencyKey?.startsWith(prefix));

/** Runs `to` on the queue and expects the typed refusal before payment: no task, nothing charged. */
async function refusedBeforePaying(to: string, taskQueue: string, label: string) {
  const workflowId = nextId(label);
  const ledgerBefore = stack.simulator.stats().ledger.length;
  const handle = await startSora2Generation(stack.env.client, generation(to), { workflowId, taskQueue });
  const { failure, details } = await generationFailureOf(handle);
  expect(failure.type).toBe('ValidationFailed');
  expect(details).toMatchObject({ reason: 'save-target-rejected', phase: 'failed', taskId: null, credits: null });
  expect(details.remoteError?.code).toBe('SaveTargetUnusable');
  expect(tasksFor(workflowId)).toEqual([]);
  expect(stack.simulator.stats().ledger.length).toBe(ledgerBefore);
  return failure.message;
}

test('a directory the worker cannot write is refused before the create: ValidationFailed, no task', async () => {
  const message = await refusedBeforePaying('blocked/videos', stack.taskQueue, 'check-dir-blocked');
  expect(message).toMatch(/save target refused, nothing paid: save\.to: blocked\/videos is not a directory/);
});

test('a directory target on a worker without RIVYA_SAVE_DIR is refused before the create', async () => {
  const message = await refusedBeforePaying('videos', s3Worker.taskQueue, 'check-dir-unset');
  expect(message).toMatch(/videos: directory targets need RIVYA_SAVE_DIR on the worker/);
});

test('an S3 target on a worker with no AWS region is refused before the create', async () => {
  const message = await refusedBeforePaying('s3://some-bucket/clips', stack.taskQueue, 'check-s3-no-region');
  expect(message).toMatch(/s3:\/\/some-bucket\/clips: no AWS region or credentials on the worker \(Region is missing\)/);
});

test('an S3 bucket that does not exist is refused before the create (moto)', async () => {
  const message = await refusedBeforePaying(`s3://rivya-missing-${process.pid}/clips`, s3Worker.taskQueue, 'check-s3-no-bucket');
  expect(message).toMatch(/bucket rivya-missing-\d+ does not exist/);
});

test('usable targets still save: a new directory below the root, and an existing bucket', async () => {
  const workflowId = nextId('check-dir-ok');
  const result = await (
    await startSora2Generation(stack.env.client, generation('fresh/videos'), { workflowId, taskQueue: stack.taskQueue })
  ).result();
  expect(result.saved?.location).toBe(join(saveRoot, 'fresh', 'videos', savedFileName(workflowId)));
  expect(existsSync(result.saved!.location)).toBe(true);
  expect(tasksFor(workflowId)).toHaveLength(1);

  const bucket = `rivya-check-${process.pid}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const s3WorkflowId = nextId('check-s3-ok');
  const saved = await (
    await startSora2Generation(stack.env.client, generation(`s3://${bucket}/clips`), {
      workflowId: s3WorkflowId,
      taskQueue: s3Worker.taskQueue,
    })
  ).result();
  expect(saved.saved?.location).toBe(`s3://${bucket}/clips/${savedFileName(s3WorkflowId)}`);
  expect(tasksFor(s3WorkflowId)).toHaveLength(1);
});

test('a batch saving to an unusable target: every item refused before paying, no task created', async () => {
  const batchId = nextId('check-batch');
  const items = Array.from({ length: 3 }, (_, i) => ({ prompt: `[sim:succeed] item ${i}` }));
  const handle = await startSora2Batch(
    stack.env.client,
    { items, concurrency: 3, defaults: { polling: FAST_POLLING }, save: { to: 's3://some-bucket/batch' } },
    { batchId, taskQueue: stack.taskQueue },
  );
  const outcome = await handle.result().then(
    (result) => result.items,
    (err: unknown) => err,
  );
  expect(Array.isArray(outcome)).toBe(true);
  for (const item of outcome as Array<{ status: string; error: { type: string; message: string } | null }>) {
    expect(item).toMatchObject({ status: 'failed', error: { type: 'ValidationFailed' } });
    expect(item.error!.message).toMatch(/^save target refused, nothing paid: s3:\/\/some-bucket\/batch: no AWS region or credentials/);
  }
  expect(tasksUnder(`${batchId}/`)).toEqual([]);
});
