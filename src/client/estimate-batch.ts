/**
 * The dry run of a batch: the batch's own input check (checkSora2BatchInput, Sora2BatchInputError as
 * startSora2Batch throws), one wallet read, Σ price (batchStartCheck, the batch's own) against the budget and the wallet as
 * the batch decides at its start (BudgetExceeded: nothing would start), and each item's dry run
 * (estimate.ts: save target, reference, price, expected duration) with the child's own input.
 */
import { BatchFailureTypes } from '../../workflows/batch/failures';
import { batchAccountOf, batchStartCheck, checkSora2BatchInput, childWorkflowId, type Sora2BatchInput } from '../../workflows/batch/input';
import { Sora2BatchInputError } from './helpers';
import { estimateSora2Generation, type EstimateSora2Options, type Sora2Estimate, type Sora2EstimateIssue } from './estimate';

export interface EstimateSora2BatchOptions extends Omit<EstimateSora2Options, 'workflowId' | 'walletCredits'> {
  /** The batch id the run would have (children are `<batchId>/<key>`). Default: a placeholder id. */
  batchId?: string;
}

export interface Sora2BatchItemEstimate {
  key: string;
  estimate: Sora2Estimate;
}

export interface Sora2BatchEstimate {
  /** No item has an issue and the batch's budget and wallet cover Σ price (or the wallet was not read). */
  ok: boolean;
  items: Sora2BatchItemEstimate[];
  /** Σ price of the items: what the batch commits if every one succeeds. */
  totalPrice: number;
  budget: number | null;
  walletCredits: number | null;
  /** Σ price within the budget and the wallet (the batch's start check); null when the wallet was not read. */
  fits: boolean | null;
  /** Refusals of the batch as a whole (BudgetExceeded, WalletUnavailable); items carry their own. */
  issues: Sora2EstimateIssue[];
  warnings: string[];
}

const PLACEHOLDER_BATCH_ID = 'batch-dry-run';

export async function estimateSora2Batch(input: Sora2BatchInput, options: EstimateSora2BatchOptions = {}): Promise<Sora2BatchEstimate> {
  const { batchId = PLACEHOLDER_BATCH_ID, ...itemOptions } = options;
  const checked = checkSora2BatchInput(input, batchId);
  if (!checked.ok) throw new Sora2BatchInputError(checked.issues);
  const issues: Sora2EstimateIssue[] = [];

  // One wallet read for the whole batch, as the batch makes it at its start.
  let walletCredits: number | null = null;
  if (options.rivya) {
    try {
      /* eslint-disable @typescript-eslint/no-require-imports -- worker-side modules, loaded at the first estimate */
      const { readWalletCredits } = require('../../activities/wallet') as typeof import('../../activities/wallet');
      const { clientOfRun, clientsByAccount } = require('../../activities/run-client') as typeof import('../../activities/run-client');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const client = await clientOfRun(clientsByAccount(options.rivya), options.account ?? batchAccountOf(checked.settings));
      walletCredits = await readWalletCredits(client, options.signal);
    } catch (err) {
      issues.push({
        check: 'wallet',
        failureType: BatchFailureTypes.WalletUnavailable,
        type: BatchFailureTypes.WalletUnavailable,
        message: `the wallet could not be read: ${(err as Error)?.message ?? String(err)}`,
        error: err,
      });
    }
  }

  const items: Sora2BatchItemEstimate[] = [];
  for (const item of checked.items) {
    const estimate = await estimateSora2Generation(item.input, {
      ...itemOptions,
      workflowId: childWorkflowId(batchId, item.key),
      walletCredits,
    });
    items.push({ key: item.key, estimate });
  }

  const budget = checked.settings.budget ?? null;
  // The batch's own start check (workflows/batch/sora2-batch.ts): Σ price against min(budget, wallet).
  const { required, short } = batchStartCheck(checked.items, budget ?? undefined, walletCredits ?? undefined);
  const fits = walletCredits === null && budget === null ? null : short === undefined;
  if (short !== undefined)
    issues.push({
      check: 'wallet',
      failureType: BatchFailureTypes.BudgetExceeded,
      type: BatchFailureTypes.BudgetExceeded,
      message: `the ${items.length} items cost ${required} credits, more than ${short}; nothing would start`,
    });
  return {
    ok: issues.length === 0 && fits !== false && items.every((item) => item.estimate.issues.length === 0),
    items,
    totalPrice: required,
    budget,
    walletCredits,
    fits,
    issues,
    warnings: [...checked.warnings, ...items.flatMap((item) => item.estimate.warnings.map((warning) => `${item.key}: ${warning}`))],
  };
}
