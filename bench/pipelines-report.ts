/** BENCHMARKS.md's pipelines section, from bench/pipelines.ts's results (its own module: the report imports no scenario code). */
import { stampLines, type GitStamp } from './git-stamp';
import type { BatchBenchResult, SaveThroughputResult } from './pipelines';
import { median } from './stats';

/** The BENCHMARKS.md section. */
export function pipelinesSection(batch: BatchBenchResult | undefined, save: SaveThroughputResult | undefined, commit?: GitStamp): string[] {
  if (!batch && !save) return [];
  const lines = ['## Pipelines: a batch under a budget, and saving videos', ''];
  // Re-measured alone by `npm run bench:pipelines`: their own commit, which may differ from the run's.
  if (commit) lines.push(...stampLines('pipelines-commit', commit), '');
  if (batch) {
    const ceiling = batch.maxCommittedCredits <= batch.budget ? 'met' : 'NOT met';
    const cap = batch.maxTasksInFlight <= batch.concurrency ? 'met' : 'NOT met';
    lines.push(
      `- Batch of ${batch.items} items (tasks of exactly ${batch.taskSeconds} s, completion by webhook), concurrency ${batch.concurrency}, budget exactly enough (${batch.budget} credits), ${batch.rounds} round(s): ideal ${batch.idealSeconds} s (⌈items / concurrency⌉ × task time); wall ${batch.wallSeconds.join(', ')} s → **wall / ideal median ${batch.ratioMedian}** (95 % CI ${batch.ratioInterval[0]} to ${batch.ratioInterval[1]}).`,
      `- Credits held on Rivya's side never above the budget (max over the run, from the simulator's ledger): **${batch.maxCommittedCredits} ≤ ${batch.budget}: ${ceiling}**; the batch's own status query reported at most ${batch.maxReportedCommitted} spent + reserved.`,
      `- Tasks in flight never above the cap (ledger): **${batch.maxTasksInFlight} ≤ ${batch.concurrency}: ${cap}**; ${batch.tasksCreated} tasks created for ${batch.items * batch.rounds} items, ${batch.itemsSucceeded} succeeded.`,
    );
  }
  if (save) {
    const row = (name: string, c: SaveThroughputResult['s3']) =>
      `| ${name} | ${median(c.oursMBps).toFixed(1)} | ${median(c.plainMBps).toFixed(1)} | ${c.ratioMedian} (${c.ratioInterval[0]} to ${c.ratioInterval[1]}) |`;
    lines.push(
      '',
      `Saving a ${save.megabytes} MB video from a loopback URL, ${save.repeats} repeats alternating the order (MB/s, medians):`,
      '',
      '| sink | the save activity | plain stream (download → upload / file) | ours / plain (95 % CI) |',
      '|---|---|---|---|',
      row('S3-compatible (moto)', save.s3),
      row('directory', save.directory),
      '',
      'Ours checks the signature, hashes (SHA-256), caps the size and heartbeats as it streams; on S3 it uploads under a partial key and copies to the final key with the checksum in its metadata (so a retry never leaves a half object under the real name): the copy is a second server-side pass the plain stream does not make. The video is never held in memory in either.',
    );
  }
  lines.push('');
  return lines;
}
