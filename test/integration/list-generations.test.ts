/**
 * The list of generations over the dev server's visibility (SQLite: SQL visibility, no ORDER BY,
 * like the PostgreSQL cluster): a few real generations and a batch, then the filters (status,
 * model, batch, since), keyset pages that walk every run once, newest start first, and the price
 * and duration of each row.
 */
import { listSora2Generations, startSora2Batch, type Sora2GenerationPage } from '../../src';
import { priceOf } from '../../src/contract/models';
import { waitFor } from '../helpers/simulator';
import { FAST_POLLING, useTestStack } from '../helpers/stack';

jest.setTimeout(180_000);

const stack = useTestStack({ workflowsPath: require.resolve('../../src/worker/workflows') });
let since: Date;
const BATCH_ID = 'list-batch';

beforeAll(async () => {
  since = new Date(Date.now() - 1_000);
  // One at a time, so start times are apart and the expected order is the order of starting.
  const runs = [
    { prompt: 'one', model: 'sora-2' as const },
    { prompt: 'two', model: 'sora-2-pro' as const },
    { prompt: 'three', model: 'sora-2' as const },
    { prompt: 'refused', model: 'sora-2' as const, reference: { path: 'no-such.png' } },
  ];
  for (const run of runs) await (await stack.start({ ...run, polling: FAST_POLLING }, 'list')).result().catch(() => undefined);
  const batch = await startSora2Batch(
    stack.env.client,
    { items: [{ prompt: 'batch a' }, { prompt: 'batch b' }], defaults: { polling: FAST_POLLING } },
    { batchId: BATCH_ID, taskQueue: stack.taskQueue },
  );
  await batch.result();
  // Visibility is eventually consistent: wait until every closed run shows its final status.
  await waitFor(async () => {
    const page = await listSora2Generations(stack.env.client, { since, limit: 100 });
    const settled = page.generations.length === 6 && page.generations.every((run) => run.closedAt && run.status);
    return settled || undefined;
  }, 30_000);
});

const keys = (page: Sora2GenerationPage) => page.generations.map((run) => run.workflowId);

test('every generation, newest start first, with status, task, model, price, duration and batch', async () => {
  const page = await listSora2Generations(stack.env.client, { since });
  const starts = page.generations.map((run) => run.startedAt);
  expect([...starts].sort().reverse()).toEqual(starts);
  expect(page.query).not.toMatch(/ORDER BY/i);
  for (const run of page.generations) {
    expect(run.price).toBe(priceOf(run.model as 'sora-2' | 'sora-2-pro'));
    expect(run.durationMs).toBeGreaterThan(0);
  }
  const pro = page.generations.find((run) => run.model === 'sora-2-pro')!;
  expect(pro).toMatchObject({ status: 'succeeded', executionStatus: 'COMPLETED', price: priceOf('sora-2-pro'), batchId: null });
  expect(pro.taskId).toMatch(/\S/);
  const refused = page.generations.find((run) => run.status === 'reference_rejected')!;
  expect(refused).toMatchObject({ executionStatus: 'FAILED', taskId: null });
  expect(page.generations.filter((run) => run.batchId === BATCH_ID)).toHaveLength(2);
});

test('filters: status, model, batch, since', async () => {
  const client = stack.env.client;
  expect((await listSora2Generations(client, { since, status: 'succeeded' })).generations).toHaveLength(5);
  expect((await listSora2Generations(client, { since, status: ['reference_rejected', 'failed'] })).generations).toHaveLength(1);
  expect((await listSora2Generations(client, { since, model: 'sora-2-pro' })).generations).toHaveLength(1);
  const batch = await listSora2Generations(client, { batch: BATCH_ID });
  expect(batch.generations.map((run) => run.workflowId).sort()).toEqual([`${BATCH_ID}/0`, `${BATCH_ID}/1`]);
  expect((await listSora2Generations(client, { since: new Date(Date.now() + 60_000) })).generations).toEqual([]);
});

test('pages of 2 walk all six once, in the same order as one page; a window smaller than the matches says so', async () => {
  const client = stack.env.client;
  const all = keys(await listSora2Generations(client, { since }));
  const walked: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await listSora2Generations(client, { since, limit: 2, ...(pageToken ? { pageToken } : {}) });
    walked.push(...keys(page));
    pageToken = page.nextPageToken ?? undefined;
    pages += 1;
  } while (pageToken && pages < 10);
  expect(pages).toBe(3);
  expect(walked).toEqual(all);
  const windowed = await listSora2Generations(client, { since, limit: 2, window: 3 });
  expect(windowed.windowFull).toBe(true);
  expect(windowed.nextPageToken).not.toBeNull();
});
