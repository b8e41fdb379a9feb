/**
 * Pipelines (#16): a batch of many short items under a concurrency cap and an exactly-sufficient
 * credit budget, measured against its ideal (items / concurrency × task time); and the storage
 * throughput of saving a video (the save activity, run as the worker runs it) against a plain
 * download-and-upload stream (what `aws s3 cp` of a URL amounts to) in the same run, on the same
 * S3-compatible server (moto) and the same source.
 *
 * Budget and concurrency are read from the simulator's ledger (Rivya's side), not from the batch's
 * own accounting: a batch that miscounted would still be caught.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MockActivityEnvironment } from '@temporalio/testing';
import { makeSaveResult } from '../activities/save-result';
import { startSora2Batch, sora2BatchStatusQuery } from '../src';
import { priceOf } from '../src/contract/models';
import type { SimTask } from '../simulator/store';
import { S3_TEST_CREDENTIALS, S3_TEST_REGION, startS3TestServer } from '../tools/testing/s3-server';
import type { BenchEnvironment } from './environment';
import { median, medianRatioInterval, round } from './stats';

export interface BatchBenchSettings {
  items: number;
  concurrency: number;
  /** Every task takes exactly this long (queued + processing), so the ideal is exact. */
  taskSeconds: number;
  rounds: number;
}

export interface BatchBenchResult extends BatchBenchSettings {
  idealSeconds: number;
  wallSeconds: number[];
  /** wall / ideal per round; the median and its 95 % bootstrap interval. */
  ratioMedian: number;
  ratioInterval: [number, number];
  budget: number;
  /** Max over every round of the credits Rivya held for the batch at once (reserved, minus refunds). */
  maxCommittedCredits: number;
  /** Max over every round of the tasks running at once on Rivya's side. */
  maxTasksInFlight: number;
  /** The batch's own status query, sampled: the most it ever reported as spent + reserved. */
  maxReportedCommitted: number;
  tasksCreated: number;
  itemsSucceeded: number;
}

/** The most credits held at once: each task's reservation from its creation, released at its end if refunded. */
export function maxCommitted(tasks: readonly SimTask[]): number {
  const events: Array<[number, number]> = [];
  for (const task of tasks) {
    events.push([task.createdAt, task.reservedCredits]);
    if (task.status === 'failed') events.push([task.terminalAt, -(task.reservedCredits - task.finalCredits)]);
  }
  return peak(events);
}

/** The most tasks between creation and their end at once. */
export function maxInFlight(tasks: readonly SimTask[]): number {
  const events: Array<[number, number]> = [];
  for (const task of tasks) events.push([task.createdAt, 1], [task.terminalAt, -1]);
  return peak(events);
}

/** Running sum's maximum; at equal times releases count first (a task ending as the next starts is not overlap). */
function peak(events: Array<[number, number]>): number {
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}

export async function runBatchBench(
  bench: BenchEnvironment,
  settings: BatchBenchSettings,
  log: (line: string) => void,
): Promise<BatchBenchResult> {
  const taskMs = settings.taskSeconds * 1000;
  const price = priceOf('sora-2', {});
  const budget = settings.items * price;
  const idealSeconds = Math.ceil(settings.items / settings.concurrency) * settings.taskSeconds;
  const wallSeconds: number[] = [];
  let maxCommittedCredits = 0;
  let maxTasksInFlight = 0;
  let maxReportedCommitted = 0;
  let tasksCreated = 0;
  let itemsSucceeded = 0;
  for (let round = 0; round < settings.rounds; round += 1) {
    // Completion by webhook, as recommended: the wall time then measures the batch, not a polling schedule.
    await bench.resetSimulator(
      { timing: { queuedMs: [200, 200], processingMs: { default: [taskMs - 200, taskMs - 200] } } },
      { webhooks: true },
    );
    const batchId = `bench-batch-${Date.now()}-${round}`;
    // The children (`<batchId>/<key>`) take their webhook events; the receiver finds them by RivyaTaskId.
    bench.webhooks.routeTo(new Map([[`${batchId}/`, 0]]));
    const started = Date.now();
    const handle = await startSora2Batch(
      bench.client,
      {
        variants: { count: settings.items, item: { prompt: '[sim:succeed] a short pipeline item' } },
        defaults: { completion: { webhooks: true }, polling: { expectedDurationMs: taskMs } },
        concurrency: settings.concurrency,
        budget,
      },
      { batchId, taskQueue: bench.taskQueue },
    );
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const status = await handle.query(sora2BatchStatusQuery);
          maxReportedCommitted = Math.max(maxReportedCommitted, status.credits.spent + status.credits.reserved);
        } catch {
          // A query racing the batch's close: the result below is what counts.
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();
    const result = await handle.result();
    sampling = false;
    await sampler;
    const seconds = (Date.now() - started) / 1000;
    wallSeconds.push(seconds);
    const tasks = [...bench.simulator.store.tasks.values()];
    maxCommittedCredits = Math.max(maxCommittedCredits, maxCommitted(tasks));
    maxTasksInFlight = Math.max(maxTasksInFlight, maxInFlight(tasks));
    tasksCreated += tasks.length;
    itemsSucceeded += result.counts.succeeded;
    log(
      `batch round ${round + 1}: ${result.counts.succeeded}/${settings.items} succeeded in ${seconds.toFixed(1)} s (ideal ${idealSeconds} s), ${tasks.length} tasks, peak ${maxInFlight(tasks)} in flight, peak ${maxCommitted(tasks)} of ${budget} credits`,
    );
  }
  const ratios = wallSeconds.map((s) => s / idealSeconds);
  const ideal = ratios.map(() => 1);
  return {
    ...settings,
    idealSeconds,
    wallSeconds: wallSeconds.map((s) => round(s, 1)),
    ratioMedian: round(median(ratios), 2),
    ratioInterval: medianRatioInterval(ratios, ideal).map((v) => round(v, 2)) as [number, number],
    budget,
    maxCommittedCredits,
    maxTasksInFlight,
    maxReportedCommitted,
    tasksCreated,
    itemsSucceeded,
  };
}

export interface SaveThroughputSettings {
  megabytes: number;
  repeats: number;
}

export interface SaveThroughputResult extends SaveThroughputSettings {
  /** MB/s per repeat, and the median ratio ours / plain with its 95 % bootstrap interval. */
  s3: { oursMBps: number[]; plainMBps: number[]; ratioMedian: number; ratioInterval: [number, number] };
  directory: { oursMBps: number[]; plainMBps: number[]; ratioMedian: number; ratioInterval: [number, number] };
}

/** An MP4-shaped file (ftyp box, then random bytes: nothing compresses) served over loopback HTTP. */
async function serveVideo(dir: string, megabytes: number): Promise<{ url: string; bytes: number; close(): Promise<void> }> {
  const path = join(dir, 'video.mp4');
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  const chunk = randomBytes(1024 * 1024);
  const out = createWriteStream(path);
  out.write(ftyp);
  for (let i = 0; i < megabytes; i += 1) out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const bytes = statSync(path).size;
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': bytes });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/video.mp4`, bytes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function download(url: string): Promise<Readable> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
  return Readable.fromWeb(response.body as never);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function comparison(ours: number[], plain: number[]) {
  return {
    oursMBps: ours.map((v) => round(v, 1)),
    plainMBps: plain.map((v) => round(v, 1)),
    ratioMedian: round(median(ours) / median(plain), 2),
    ratioInterval: medianRatioInterval(ours, plain).map((v) => round(v, 2)) as [number, number],
  };
}

/**
 * Each repeat runs ours and the plain stream back to back, in alternating order, so drift on a
 * noisy machine hits both alike. Ours is the worker's activity (SSRF guard, signature check,
 * SHA-256, size cap, heartbeats; S3: multipart to a partial key, then the copy to the final key).
 */
export async function runSaveThroughput(settings: SaveThroughputSettings, log: (line: string) => void): Promise<SaveThroughputResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rivya-bench-save-'));
  const s3Server = await startS3TestServer({ log });
  const video = await serveVideo(dir, settings.megabytes);
  const megabytes = video.bytes / 1e6;
  const client = new S3Client({
    endpoint: s3Server.endpoint,
    region: S3_TEST_REGION,
    credentials: S3_TEST_CREDENTIALS,
    forcePathStyle: true,
  });
  const bucket = 'bench-saves';
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const saveRoot = join(dir, 'saved');
  mkdirSync(saveRoot);
  const saveResult = makeSaveResult({
    s3Client: client,
    saveDirectory: saveRoot,
    urlPolicy: { allowHttp: true, allowPrivateNetworks: true },
  });
  const rates = { s3: { ours: [] as number[], plain: [] as number[] }, directory: { ours: [] as number[], plain: [] as number[] } };
  try {
    for (let repeat = 0; repeat < settings.repeats; repeat += 1) {
      const id = `bench-save-${Date.now()}-${repeat}`;
      const runs: Record<string, () => Promise<unknown>> = {
        // A fresh activity context per call, as the worker gives each attempt.
        's3 ours': () =>
          new MockActivityEnvironment({ attempt: 1 }).run(saveResult, {
            workflowId: id,
            taskId: `task_${id}`,
            videoUrl: video.url,
            to: `s3://${bucket}/ours`,
          }),
        's3 plain': async () =>
          new Upload({
            client,
            params: { Bucket: bucket, Key: `plain/${id}.mp4`, Body: await download(video.url), ContentType: 'video/mp4' },
          }).done(),
        'directory ours': () =>
          new MockActivityEnvironment({ attempt: 1 }).run(saveResult, {
            workflowId: id,
            taskId: `task_${id}`,
            videoUrl: video.url,
            to: 'ours',
          }),
        'directory plain': async () => pipeline(await download(video.url), createWriteStream(join(dir, `${id}-plain.mp4`))),
      };
      const order =
        repeat % 2 === 0
          ? ['s3 ours', 's3 plain', 'directory ours', 'directory plain']
          : ['s3 plain', 's3 ours', 'directory plain', 'directory ours'];
      for (const name of order) {
        const seconds = await timed(runs[name]!);
        const [sink, kind] = name.split(' ') as ['s3' | 'directory', 'ours' | 'plain'];
        rates[sink][kind].push(megabytes / seconds);
      }
      log(
        `save ${repeat + 1}/${settings.repeats}: S3 ours ${rates.s3.ours.at(-1)!.toFixed(1)} vs plain ${rates.s3.plain.at(-1)!.toFixed(1)} MB/s; directory ours ${rates.directory.ours.at(-1)!.toFixed(1)} vs plain ${rates.directory.plain.at(-1)!.toFixed(1)} MB/s`,
      );
      rmSync(join(dir, `${id}-plain.mp4`), { force: true });
    }
  } finally {
    client.destroy();
    await video.close();
    await s3Server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    ...settings,
    s3: comparison(rates.s3.ours, rates.s3.plain),
    directory: comparison(rates.directory.ours, rates.directory.plain),
  };
}
