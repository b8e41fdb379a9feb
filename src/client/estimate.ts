/**
 * The dry run of one generation: every check a real run makes before it pays, then the price, the
 * wallet and the expected duration — with nothing uploaded, nothing created, nothing paid.
 *
 * Each check is the run's own function, called here with the worker's settings:
 *   input and workflow id → checkSora2Input, workflowIdIssues (as startSora2Generation: Sora2InputError);
 *   save target           → checkSaveTarget (activities/check-save-target.ts's refusal, SaveTargetUnusable);
 *   reference             → readAndCheckReference (the upload activity's checks: path confinement, the
 *                           SSRF guard, size, magic bytes, image structure; ReferenceRejected);
 *   price                 → priceOf, the one price table;
 *   wallet                → readWalletCredits (GET /api/v1/credits, the batch's wallet read);
 *   expected duration     → expectationFor over the worker's learner (when it runs in this process),
 *                           else the input's expectedDurationMs or the built-in expectation.
 * A refusal is reported with the type the real run would end with (`failureType`, e.g.
 * ValidationFailed) and the activity error it would carry (`type`, e.g. ReferenceRejected).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CompletionLearner } from '../../activities/completion-learner';
import type { ReferenceSettings } from '../../activities/reference/check-reference';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { RIVYA_ERROR_TYPE_PREFIX } from '../../workflows/common/failures';
import { classifyActivityFailure } from '../../workflows/generation/failure-classification';
import { workflowIdIssues } from '../../workflows/common/workflow-id';
import { checkSora2Input, rivyaParams, type Sora2GenerationInput } from '../../workflows/generation/input';
import { expectationFor, type ExpectationSource } from '../../workflows/generation/polling-schedule';
import { priceOf, type SoraModel } from '../contract/models';
import type { RivyaClient } from '../rivya';
import type { RivyaClientsByAccount } from '../worker/account-clients';
import { Sora2InputError } from './helpers';

/**
 * Where the wallet is read: the worker's client, or (a worker serving several accounts) its clients
 * by account name — asked through the activities' own `clientOfRun`, so an unknown name is the
 * run's UnknownAccount.
 */
export type EstimateRivya = RivyaClient | RivyaClientsByAccount;

export interface EstimateSora2Options {
  /** The Rivya client whose wallet would pay (the worker's key). Unset: the wallet is not read (`fits` null). */
  rivya?: EstimateRivya;
  /** Which account pays, when the worker serves several; default: the input's `account`, if any. */
  account?: string;
  /** The worker's reference settings (RIVYA_REFERENCE_DIR, its URL policy): the checks run with these. */
  reference?: ReferenceSettings;
  /** The worker's save settings (RIVYA_SAVE_DIR; an S3 client, else the AWS chain of this process). */
  save?: { saveDirectory?: string; s3Client?: S3Client; s3ForcePathStyle?: boolean };
  /** The worker's duration learner (`Sora2Plugin.learner`) when the worker runs in this process. */
  learner?: CompletionLearner;
  /** As the worker's `wait.priorScale`. Default 1. */
  priorScale?: number;
  /** The workflow id the run would have: checked like startSora2Generation checks it. */
  workflowId?: string;
  signal?: AbortSignal;
  /** Skip the wallet read, e.g. in a batch estimate that reads it once for all items. */
  walletCredits?: number | null;
}

export type EstimateCheckName = 'input' | 'account' | 'save-target' | 'reference' | 'wallet';

export interface EstimateCheck {
  name: EstimateCheckName;
  status: 'passed' | 'refused' | 'warned' | 'skipped';
  /** What was checked, or why it was skipped. */
  detail: string;
}

/** A check the real run would fail at, before paying. */
export interface Sora2EstimateIssue {
  check: EstimateCheckName;
  /** The typed outcome the real run would end with: ValidationFailed, GenerationRejected, RivyaUnavailable. */
  failureType: string;
  /** The error type the run's activity would raise: ReferenceRejected, SaveTargetUnusable, rivya:<code>. */
  type: string;
  message: string;
  /** The error itself, as the run's check function raised it. */
  error?: unknown;
}

export interface Sora2Estimate {
  /** Every check passed and the wallet holds the price (or was not read: `fits` null). */
  ok: boolean;
  model: SoraModel;
  /** The params sent to Rivya, defaults filled in. */
  params: Record<string, string>;
  /** Credits this generation costs (priceOf, the one price table). */
  price: number;
  /** Credits in the paying wallet now; null when not read (no client) or unreadable (see issues). */
  walletCredits: number | null;
  /** Whether the wallet holds the price; null when the wallet was not read. */
  fits: boolean | null;
  expectedDuration: { ms: number; source: ExpectationSource };
  account: string | null;
  checks: EstimateCheck[];
  issues: Sora2EstimateIssue[];
  /** What could not be confirmed; a real run goes on past these. */
  warnings: string[];
}

/** The activity whose check each dry-run check is (as the run's failure would name it). */
const ACTIVITY_OF_CHECK: Record<EstimateCheckName, string> = {
  input: 'sora2Generation',
  'save-target': 'rivyaCheckSaveTarget',
  reference: 'rivyaUploadReference',
  account: 'rivyaUploadReference',
  wallet: 'rivyaCreateGeneration',
};

/**
 * The issue for an error a check raised, typed by the run's own classification: Rivya errors become
 * the activity's `rivya:<code>` failure (toActivityFailure), then classifyActivityFailure says which
 * typed outcome the run would end with.
 */
function issueOf(check: EstimateCheckName, err: unknown, run: WorkerChecks): Sora2EstimateIssue {
  const failure = err instanceof ApplicationFailure ? err : run.toActivityFailure(err);
  const activity = new ActivityFailure(
    'dry run',
    ACTIVITY_OF_CHECK[check],
    undefined,
    RetryState.NON_RETRYABLE_FAILURE,
    'dry-run',
    failure,
  );
  const classified = classifyActivityFailure(activity);
  const type = failure instanceof ApplicationFailure ? (failure.type ?? 'ApplicationFailure') : failure.name;
  return { check, failureType: classified.type, type, message: failure.message, error: failure };
}

/** The worker-side check modules, loaded at the first estimate: the main entry stays the client side. */
function workerChecks() {
  /* eslint-disable @typescript-eslint/no-require-imports -- deferred until an estimate (see above) */
  return {
    ...(require('../../activities/reference/check-reference') as typeof import('../../activities/reference/check-reference')),
    ...(require('../../activities/check-save-target') as typeof import('../../activities/check-save-target')),
    ...(require('../../activities/wallet') as typeof import('../../activities/wallet')),
    ...(require('../../activities/save-result') as Pick<typeof import('../../activities/save-result'), 'lazyS3Client'>),
    ...(require('../storage/check-save-target') as typeof import('../storage/check-save-target')),
    ...(require('../../activities/run-client') as typeof import('../../activities/run-client')),
    ...(require('../../activities/rivya-failure') as Pick<typeof import('../../activities/rivya-failure'), 'toActivityFailure'>),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
type WorkerChecks = ReturnType<typeof workerChecks>;

/**
 * The dry run of one generation (see the module comment). Invalid input throws Sora2InputError, as
 * startSora2Generation does; every later refusal is an issue in the result, typed as the run's.
 */
export async function estimateSora2Generation(input: Sora2GenerationInput, options: EstimateSora2Options = {}): Promise<Sora2Estimate> {
  const checked = checkSora2Input(input);
  const idIssues = options.workflowId === undefined ? [] : workflowIdIssues(options.workflowId);
  if (!checked.ok || idIssues.length > 0) throw new Sora2InputError([...(checked.ok ? [] : checked.issues), ...idIssues]);
  const request = checked.value;
  const account = options.account ?? request.account;
  const signal = options.signal ?? new AbortController().signal;
  const checks: EstimateCheck[] = [{ name: 'input', status: 'passed', detail: 'the input schema (checkSora2Input)' }];
  const issues: Sora2EstimateIssue[] = [];
  const warnings: string[] = [];
  const run = workerChecks();

  // The account first, as every Rivya activity of the run resolves its client before anything else.
  let client: RivyaClient | undefined;
  if (options.rivya && options.walletCredits === undefined) {
    try {
      client = await run.clientOfRun(run.clientsByAccount(options.rivya), account);
      checks.push({
        name: 'account',
        status: 'passed',
        detail: account ? `the worker has a key for ${account}` : "the worker's default key",
      });
    } catch (err) {
      const issue = issueOf('account', err, run);
      issues.push(issue);
      checks.push({ name: 'account', status: 'refused', detail: issue.message });
    }
  } else
    checks.push({ name: 'account', status: 'skipped', detail: options.rivya ? 'checked once for the batch' : 'no Rivya client given' });

  // The run's order: the save target, then the reference, then (paid) the create.
  if (request.save) {
    const readiness = await run.checkSaveTarget(request.save.to, {
      saveDirectory: options.save?.saveDirectory,
      s3Client: run.lazyS3Client(options.save ?? {}),
    });
    if (readiness.refusal !== null) {
      issues.push(issueOf('save-target', run.saveTargetUnusable(readiness.refusal), run));
      checks.push({ name: 'save-target', status: 'refused', detail: readiness.refusal });
    } else {
      warnings.push(...readiness.warnings);
      checks.push({ name: 'save-target', status: readiness.warnings.length ? 'warned' : 'passed', detail: request.save.to });
    }
  } else checks.push({ name: 'save-target', status: 'skipped', detail: 'no save.to' });

  if (request.reference) {
    try {
      const reference = await run.readAndCheckReference(request.reference, options.reference ?? {}, signal);
      const { mimeType, sizeBytes, width, height } = reference.image;
      checks.push({ name: 'reference', status: 'passed', detail: `${mimeType}, ${width}×${height}, ${sizeBytes} bytes (not uploaded)` });
    } catch (err) {
      const issue = issueOf('reference', err, run);
      issues.push(issue);
      checks.push({ name: 'reference', status: 'refused', detail: issue.message });
    }
  } else checks.push({ name: 'reference', status: 'skipped', detail: 'no reference' });

  const params = rivyaParams(request);
  const price = priceOf(request.model, params);
  let walletCredits: number | null = null;
  if (options.walletCredits !== undefined) {
    walletCredits = options.walletCredits;
    const read = walletCredits !== null;
    checks.push({ name: 'wallet', status: read ? 'passed' : 'skipped', detail: read ? 'read once for the batch' : 'not read' });
  } else if (client) {
    try {
      walletCredits = await run.readWalletCredits(client, signal);
      checks.push({ name: 'wallet', status: 'passed', detail: `GET /api/v1/credits${account ? ` (account ${account})` : ''}` });
    } catch (err) {
      const issue = issueOf('wallet', err, run);
      issues.push(issue);
      checks.push({ name: 'wallet', status: 'refused', detail: issue.message });
    }
  } else checks.push({ name: 'wallet', status: 'skipped', detail: options.rivya ? 'no client for the account' : 'no Rivya client given' });
  const fits = walletCredits === null ? null : walletCredits >= price;
  if (fits === false) {
    // What the paid create would get back (Rivya's 402), as the activity would raise it.
    const refusal = ApplicationFailure.create({
      type: `${RIVYA_ERROR_TYPE_PREFIX}insufficient_credits`,
      message: `the wallet holds ${walletCredits} credits, the generation costs ${price}`,
      nonRetryable: true,
    });
    issues.push(issueOf('wallet', refusal, run));
  }

  const nFrames = params.n_frames ?? '10';
  const learned = options.learner?.estimate({ model: request.model, nFrames }) ?? null;
  const expectation = expectationFor(request.model, nFrames, request.polling, learned, options.priorScale ?? 1);

  return {
    ok: issues.length === 0 && fits !== false,
    model: request.model,
    params,
    price,
    walletCredits,
    fits,
    expectedDuration: { ms: Math.round(expectation.expectedMs), source: expectation.source },
    account: account ?? null,
    checks,
    issues,
    warnings,
  };
}
