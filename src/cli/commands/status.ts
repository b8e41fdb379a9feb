/** `rivya-sora2 status` and `rivya-sora2 cancel`: look at or stop one generation. */
import type { Command } from 'commander';
import { FailureTypes } from '../../../workflows/failures';
import { sora2StatusQuery } from '../../../workflows/messages';
import { generationFailureOf } from '../../generation-failure';
import { connectClient } from '../connection';
import { formatFailure } from '../failure-report';
import { printable, printableJson } from '../printable';

export async function runStatus(workflowId: string): Promise<number> {
  const { client, close } = await connectClient();
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    console.log(`workflow ${printable(workflowId)}: ${printable(description.status.name)}`);
    if (description.status.name === 'RUNNING') {
      console.log(printableJson(await handle.query(sora2StatusQuery)));
      return 0;
    }
    try {
      console.log(printableJson(await handle.result()));
      return 0;
    } catch (err) {
      const report = generationFailureOf(err);
      if (!report) throw err;
      for (const line of formatFailure(report)) console.log(line);
      return 1;
    }
  } finally {
    await close();
  }
}

export async function runCancel(workflowId: string): Promise<number> {
  const { client, close } = await connectClient();
  try {
    const handle = client.workflow.getHandle(workflowId);
    await handle.cancel();
    console.error(`cancel requested for ${printable(workflowId)}; waiting for compensation to finish`);
    try {
      await handle.result();
      console.log('the generation had already succeeded');
      return 0;
    } catch (err) {
      const report = generationFailureOf(err);
      if (!report) throw err;
      for (const line of formatFailure(report)) console.log(line);
      return report.type === FailureTypes.GenerationCancelled ? 0 : 1;
    }
  } finally {
    await close();
  }
}

export function registerStatusAndCancel(program: Command): void {
  program
    .command('status <workflowId>')
    .description('show a generation: live status while running, result or typed failure when closed')
    .action(async (workflowId: string) => {
      process.exitCode = await runStatus(workflowId);
    });
  program
    .command('cancel <workflowId>')
    .description('cancel a generation (Rivya has no cancel endpoint: the remote task keeps running and is reported)')
    .action(async (workflowId: string) => {
      process.exitCode = await runCancel(workflowId);
    });
}
