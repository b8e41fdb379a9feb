// examples/backend.ts — usage: node backend.js <orderId> [prompt]; TEMPORAL_ADDRESS from the env.
import { Client, Connection } from '@temporalio/client';
import {
  DEFAULT_SORA2_TASK_QUEUE,
  FailureTypes,
  generationFailureOf,
  Sora2InputError,
  Sora2TemporalUnavailableError,
  Sora2WorkflowIdConflictError,
  startSora2Generation,
} from 'rivya-sora2-temporal';

async function main(orderId: string, prompt: string): Promise<number> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  try {
    const handle = await startSora2Generation(
      client,
      {
        prompt,
        params: { n_frames: '10', aspect_ratio: 'portrait' },
        reference: { path: 'sample-reference.png' }, // inside the worker's RIVYA_REFERENCE_DIR, or { url: 'https://…' }
        compensations: [{ activity: 'releaseQuota', args: [`quota-${orderId}`] }], // your own undo, run on failure
        // How long the task should take (default: by model and n_frames); the simulator finishes in seconds.
        polling: process.env.EXPECTED_DURATION_MS ? { expectedDurationMs: Number(process.env.EXPECTED_DURATION_MS) } : {},
      },
      {
        workflowId: `video-${orderId}`, // the generation's identity: one id, one paid task
        taskQueue: process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE,
      },
    );
    const { videoUrl, taskId, credits } = await handle.result();
    console.log(`succeeded: task ${taskId}, ${credits.final} credits, video ${videoUrl}`);
    return 0;
  } catch (err) {
    if (err instanceof Sora2InputError) {
      console.log(`not started, invalid input: ${err.message}`); // nothing was started or paid for
      return 2;
    }
    if (err instanceof Sora2WorkflowIdConflictError) {
      // This order already started a generation with other input: never a second paid task for one id.
      console.log(`not started: ${err.message}`);
      return 2;
    }
    if (err instanceof Sora2TemporalUnavailableError) {
      // Temporal (or its database) stayed unavailable past the helper's retries: safe to try again later.
      console.log(`not started yet, try again: ${err.message}`);
      return 75; // EX_TEMPFAIL
    }
    const failure = generationFailureOf(err); // { type, message, details } of a failed generation
    if (!failure) throw err; // not a generation outcome: connection lost, server unavailable, …
    const { taskId = null, credits = null, compensations = [] } = failure.details ?? {};
    switch (failure.type) {
      case FailureTypes.ValidationFailed:
      case FailureTypes.GenerationRejected:
        console.log(`${failure.type}: ${failure.message} (nothing charged)`);
        break;
      case FailureTypes.GenerationFailed:
      case FailureTypes.GenerationTimedOut:
      case FailureTypes.RivyaUnavailable:
        console.log(`${failure.type}: ${failure.message}; task ${taskId}, credits refunded: ${credits?.refunded ?? 'unknown'}`);
        break;
      case FailureTypes.GenerationCancelled:
        console.log(
          `${failure.type}: task ${taskId} keeps running (Rivya has no cancel); credits refunded: ${credits?.refunded ?? 'unknown'}`,
        );
        break;
      default: // the run ended otherwise, e.g. terminated by an operator
        console.log(`${failure.type}: ${failure.message}`);
    }
    for (const step of compensations) console.log(`  compensation ${step.name}: ${step.status}${step.error ? ` (${step.error})` : ''}`);
    return 1;
  } finally {
    await connection.close();
  }
}

const [orderId, prompt = 'A paper boat drifting down a rain-soaked street'] = process.argv.slice(2);
if (!orderId) {
  console.error('usage: node backend.js <orderId> [prompt]');
  process.exit(2);
}
main(orderId, prompt).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
