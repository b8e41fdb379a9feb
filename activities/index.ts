/**
 * The activities of the Sora 2 workflow, bound to one Rivya client and the worker's reference
 * settings. The API key lives in that client, inside the worker: never in workflow history.
 */
import type { Sora2Activities } from '../workflows/common/activity-contract';
import type { BatchActivities } from '../workflows/batch/activities';
import { makeAwaitGeneration } from './await-generation';
import { sora2AwaitChild } from './batch-await-child';
import { CompletionLearner } from './completion-learner';
import { makeGenerationActivities } from './generation';
import { makeCheckSaveTarget } from './check-save-target';
import { lazyS3Client, makeSaveResult, type SaveSettings } from './save-result';
import { makeUploadReference, type ReferenceSettings } from './upload-reference';
import { makeWalletActivities } from './wallet';
import { clientsByAccount, type RivyaClientSource } from './run-client';
import { makeCheckAccount } from './check-account';

export type { ReferenceSettings } from './upload-reference';
export type { SaveSettings } from './save-result';
export type { ReferenceUrlPolicy } from './reference/url-guard';
export { CompletionLearner } from './completion-learner';

export interface WaitOptions {
  /** Generations that don't say complete by webhook, with polling as a safety net. Default false. */
  webhooksByDefault?: boolean;
  /** Where task durations are learned; one per worker by default. */
  learner?: CompletionLearner;
  /** @experimental Multiplies the built-in expected durations until some are learned (benchmarks in compressed time). Default 1. */
  priorScale?: number;
}

/**
 * `client`: one client (runs that name an `account` fail as UnknownAccount), or the worker's clients
 * by account (src/worker/account-clients.ts), each run's activities then use its account's client.
 */
export function createSora2Activities(
  client: RivyaClientSource,
  reference: ReferenceSettings = {},
  wait: WaitOptions = {},
  save: SaveSettings = {},
): Sora2Activities & BatchActivities {
  const learner = wait.learner ?? new CompletionLearner();
  const s3Client = lazyS3Client(save);
  return {
    rivyaUploadReference: makeUploadReference(client, reference),
    ...makeGenerationActivities(client, { webhooksByDefault: wait.webhooksByDefault ?? false, learner, priorScale: wait.priorScale ?? 1 }),
    rivyaAwaitGeneration: makeAwaitGeneration(client, learner, wait.priorScale ?? 1),
    // The result URL is guarded like a reference URL, by the same worker policy unless told otherwise.
    rivyaSaveResult: makeSaveResult({ ...save, urlPolicy: save.urlPolicy ?? reference.urlPolicy }, s3Client),
    // Before the paid create: a target this worker cannot save to is refused, nothing paid.
    rivyaCheckSaveTarget: makeCheckSaveTarget(save.saveDirectory, s3Client),
    // The batch workflow's: its wallet read, and its wait for a child started by an earlier run.
    ...makeWalletActivities(client),
    // At the start of a run that names an account: refuse a name without a key before anything else.
    rivyaCheckAccount: makeCheckAccount(clientsByAccount(client)),
    sora2AwaitChild,
  };
}
