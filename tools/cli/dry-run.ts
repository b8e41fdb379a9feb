/**
 * `generate --dry-run` and `batch --dry-run`: the library's estimate (src/client/estimate*.ts) with
 * the worker's settings as this process's environment gives them (RIVYA_API_KEY and RIVYA_BASE_URL
 * for the wallet, RIVYA_REFERENCE_DIR, RIVYA_SAVE_DIR, RIVYA_REFERENCE_URL_ALLOW_PRIVATE). Where
 * `rivya-sora2 dev` runs (./.rivya-dev exists) and those are unset, dev's own defaults: references
 * from ./.rivya-dev/references, saves below the current directory. Temporal is not contacted.
 *
 * Exit codes as a real run: 2 when it would end ValidationFailed (or the input is refused at the
 * start), 1 when Rivya would refuse or be unreachable (the wallet too small, the key refused), 0 ok.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { estimateSora2Generation, type EstimateRivya, type EstimateSora2Options, type Sora2Estimate } from '../../src/client/estimate';
import { estimateSora2Batch, type Sora2BatchEstimate } from '../../src/client/estimate-batch';
import { RivyaClient } from '../../src/rivya';
import { RivyaAccountClients, type AccountConnection } from '../../src/worker/account-clients';
import { resolveSora2Settings } from '../../src/worker/resolve-settings';
import { FailureTypes } from '../../workflows/common/failures';
import type { Sora2BatchInput } from '../../workflows/batch/input';
import type { Sora2GenerationInput } from '../../workflows/generation/input';
import { exitCodeOfBatchFailure } from './batch-outcome';
import { ExitCodes } from './exit-codes';
import { printable, printableJson } from './printable';

const DEV_DIRECTORY = '.rivya-dev';

export interface DryRunSettings {
  options: Omit<EstimateSora2Options, 'workflowId'>;
  /** Where each setting came from, said under the estimate. */
  sources: string[];
}

/** The estimate's options from the environment (see the module comment). */
export function dryRunSettings(env: Record<string, string | undefined> = process.env, cwd: string = process.cwd()): DryRunSettings {
  const settings = resolveSora2Settings({}, env);
  const sources: string[] = [];
  const devHere = existsSync(join(cwd, DEV_DIRECTORY));
  const rivya = settings.rivya instanceof Error ? undefined : settings.rivya;
  let referenceDirectory = rivya?.referenceDirectory ?? env.RIVYA_REFERENCE_DIR;
  if (referenceDirectory) sources.push(`references: ${referenceDirectory} (RIVYA_REFERENCE_DIR)`);
  else if (devHere && existsSync(join(cwd, DEV_DIRECTORY, 'references'))) {
    referenceDirectory = join(cwd, DEV_DIRECTORY, 'references');
    sources.push(`references: ${referenceDirectory} (rivya-sora2 dev's default)`);
  }
  let saveDirectory = rivya?.save.saveDirectory ?? env.RIVYA_SAVE_DIR;
  if (saveDirectory) sources.push(`saves: ${saveDirectory} (RIVYA_SAVE_DIR)`);
  else if (devHere) {
    saveDirectory = resolve(cwd);
    sources.push(`saves: ${saveDirectory} (rivya-sora2 dev's default)`);
  }
  const connection = rivya?.connection;
  let client: EstimateRivya | undefined;
  if (connection) {
    const build = ({ apiKey, baseUrl, timeoutMs }: AccountConnection) =>
      new RivyaClient({
        apiKey,
        baseUrl: baseUrl ?? connection.RIVYA_BASE_URL,
        timeoutMs: timeoutMs ?? connection.RIVYA_REQUEST_TIMEOUT_MS,
      });
    const defaultClient = build({ apiKey: connection.RIVYA_API_KEY });
    // Named accounts (RIVYA_ACCOUNTS) resolve as on the worker (src/worker/rivya-activities.ts).
    client = rivya.accounts.any ? new RivyaAccountClients(defaultClient, rivya.accounts, build) : defaultClient;
    sources.push(`wallet: ${connection.RIVYA_BASE_URL} (RIVYA_API_KEY${rivya.accounts.any ? ', RIVYA_ACCOUNTS' : ''})`);
  } else sources.push('wallet: not read (set RIVYA_API_KEY, and RIVYA_BASE_URL for dev: both printed by rivya-sora2 dev)');
  return {
    options: {
      ...(client ? { rivya: client } : {}),
      reference: { referenceDirectory, urlPolicy: settings.referenceUrlPolicy },
      save: { saveDirectory, s3ForcePathStyle: rivya?.save.s3ForcePathStyle },
    },
    sources,
  };
}

/** An estimate's refusals as the exit code the real run would have. */
export function dryRunExitCode(issues: readonly { failureType: string }[]): number {
  if (issues.length === 0) return ExitCodes.ok;
  return issues.some((issue) => issue.failureType === FailureTypes.ValidationFailed) ? ExitCodes.invalid : ExitCodes.failed;
}

function duration(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

function walletLine(walletCredits: number | null, fits: boolean | null, cost: number): string {
  if (walletCredits === null) return 'not read';
  return `${walletCredits} credits — ${fits ? 'fits' : `does not fit (${cost} needed)`}`;
}

/** Human lines of one estimate. */
export function formatEstimate(estimate: Sora2Estimate, sources: readonly string[] = []): string[] {
  return [
    `dry run: nothing uploaded, created or paid — ${estimate.ok ? 'a real run would pass every check before paying' : 'a real run would be refused'}`,
    `  price:     ${estimate.price} credits (${estimate.model})`,
    `  wallet:    ${walletLine(estimate.walletCredits, estimate.fits, estimate.price)}`,
    `  expected:  ${duration(estimate.expectedDuration.ms)} (${estimate.expectedDuration.source})`,
    ...estimate.checks.map((check) => `  check ${check.name}: ${check.status}${check.detail ? ` — ${printable(check.detail)}` : ''}`),
    ...estimate.warnings.map((warning) => `  warning: ${printable(warning)}`),
    ...estimate.issues.map((issue) => `refused (${issue.failureType}, ${issue.type}): ${printable(issue.message)}`),
    ...sources.map((source) => `  with ${printable(source)}`),
  ];
}

export function formatBatchEstimate(estimate: Sora2BatchEstimate, sources: readonly string[] = []): string[] {
  const lines = [
    `dry run of ${estimate.items.length} item(s): nothing uploaded, created or paid — ${estimate.ok ? 'a real run would start' : 'a real run would be refused'}`,
    `  total:     ${estimate.totalPrice} credits${estimate.budget !== null ? ` (budget ${estimate.budget})` : ''}`,
    `  wallet:    ${walletLine(estimate.walletCredits, estimate.fits, estimate.totalPrice)}`,
  ];
  for (const { key, estimate: item } of estimate.items) {
    const refused = item.issues.filter((issue) => issue.check !== 'wallet');
    const verdict = refused.length ? `refused: ${refused.map((issue) => printable(issue.message)).join('; ')}` : 'ok';
    lines.push(
      `  ${printable(key)}: ${item.price} credits, ~${duration(item.expectedDuration.ms)} (${item.expectedDuration.source}) — ${verdict}`,
    );
  }
  lines.push(...estimate.warnings.map((warning) => `  warning: ${printable(warning)}`));
  lines.push(...estimate.issues.map((issue) => `refused (${issue.type}): ${printable(issue.message)}`));
  lines.push(...sources.map((source) => `  with ${printable(source)}`));
  return lines;
}

/** The JSON form: everything but the error objects (their message and type are in each issue). */
function withoutErrors<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, field: unknown) => (key === 'error' ? undefined : field))) as T;
}

export async function runGenerateDryRun(input: Sora2GenerationInput, workflowId: string | undefined, json: boolean): Promise<number> {
  const { options, sources } = dryRunSettings();
  const estimate = await estimateSora2Generation(input, { ...options, ...(workflowId !== undefined ? { workflowId } : {}) });
  if (json) console.log(printableJson(withoutErrors(estimate)));
  else for (const line of formatEstimate(estimate, sources)) console.log(line);
  return dryRunExitCode(estimate.issues);
}

export async function runBatchDryRun(input: Sora2BatchInput, batchId: string | undefined, json: boolean): Promise<number> {
  const { options, sources } = dryRunSettings();
  const estimate = await estimateSora2Batch(input, { ...options, ...(batchId !== undefined ? { batchId } : {}) });
  if (json) console.log(printableJson(withoutErrors(estimate)));
  else for (const line of formatBatchEstimate(estimate, sources)) console.log(line);
  // The batch's own refusal, with the real `batch`'s exit code (BudgetExceeded 2, WalletUnavailable 1).
  if (estimate.issues.length > 0) return Math.max(...estimate.issues.map((issue) => exitCodeOfBatchFailure(issue.type)));
  return dryRunExitCode(estimate.items.flatMap((item) => item.estimate.issues));
}
