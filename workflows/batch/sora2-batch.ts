/**
 * A batch of Sora 2 generations as one durable workflow:
 *   validate every item → read the wallet once → refuse what the budget cannot cover → run each
 *   item as a `sora2Generation` child (id `<batchId>/<key>`, so an item pays for one task however
 *   often the batch is restarted), at most `concurrency` at once, never committing more credits
 *   than the budget → collect a bounded outcome per item → return them all.
 *
 * Children are started with:
 * - `workflowIdReusePolicy: REJECT_DUPLICATE`: a child id runs once, ever (it is the task's
 *   Idempotency-Key). A start that finds the id taken — the child of an earlier run of this batch
 *   or of an earlier batch under the same id, running or closed — waits for that child's end
 *   through an activity instead (sora2AwaitChild), so nothing is paid twice.
 * - `parentClosePolicy: ABANDON`: a child outlives the run that started it. Continue-as-new closes
 *   the run (TERMINATE would kill every child in flight, REQUEST_CANCEL cancel it); the next run
 *   carries the running children's keys and waits for them by id. A terminated batch leaves its
 *   paid children to finish; restarted under the same id it collects them. Cancelling the batch
 *   (an operator's "stop") still cancels its children: that goes through cancellation scopes, not
 *   the close policy.
 * Workflow-safe: the wallet read and the wait for a foreign child are activities.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type SearchAttributePair } from '@temporalio/common';
import type { BatchActivities } from './activities';
import { renderBatchDetails } from './details';
import { batchFailure, BatchFailureTypes } from './failures';
import {
  BATCH_LIMITS,
  checkSora2BatchInput,
  checkSora2BatchSettings,
  childWorkflowId,
  jsonBytesOf,
  prepareItems,
  batchAccountOf,
  batchStartCheck,
  totalPrice,
  type PreparedItem,
  type Sora2BatchInput,
  type Sora2BatchItem,
  type Sora2BatchSettings,
} from './input';
import {
  sora2BatchAddItemsUpdate,
  sora2BatchCancelRemainingUpdate,
  sora2BatchStatusQuery,
  type AddItemsResult,
  type CancelRemainingResult,
} from './messages';
import { CHILD_ENDED_OTHERWISE, conclusionOfFailure, conclusionOfResult, outcomeOf, skippedOutcome, type ChildConclusion } from './outcome';
import {
  committedCredits,
  fitsBudget,
  initialBatchState,
  type BatchCarriedState,
  type BatchCounts,
  type BatchItemOutcome,
  type BatchStatus,
  type BatchStop,
  type Sora2BatchResult,
} from './state';
import { describeIssues } from '../generation/input';
import { invalidOperatorUpdate } from '../generation/operator-updates';
import { RIVYA_ACCOUNT, RIVYA_BATCH_ID, RIVYA_MODEL } from '../common/search-attributes';
import { sora2Generation } from '../generation/sora2-generation';
import { passBatchApproval } from './approval-gate';

export type { BatchCarriedState, Sora2BatchResult } from './state';

const RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

const ACTIVITY_OPTIONS = {
  wallet: {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '3m',
    retry: { ...RETRY, maximumAttempts: 10 },
    summary: 'read the wallet',
  },
  /**
   * Waiting for a child by id: each "still running" is a benign retry (no history). Bounded by
   * more than a generation's longest deadline (7 days), and an attempt cap that time never reaches.
   */
  awaitChild: {
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '8d',
    retry: { ...RETRY, maximumAttempts: 1_000_000 },
  },
} satisfies Record<string, ActivityOptions>;

/** One item in flight: a child this run started, or one it waits for by id. */
interface InFlight {
  key: string;
  price: number;
  scope: CancellationScope;
  /** Started by another run (or batch): cancelled through its id, awaited by an activity. */
  foreign: boolean;
}

export async function sora2Batch(input: Sora2BatchInput, carried?: BatchCarriedState): Promise<Sora2BatchResult> {
  const batchId = workflowInfo().workflowId;
  if (carried) {
    const checked = checkSora2BatchSettings(input, batchId);
    if (!checked.ok) throw invalid(batchId, checked.issues);
    return new BatchRun(batchId, input, checked.settings, carried).run();
  }
  const checked = checkSora2BatchInput(input, batchId);
  if (!checked.ok) throw invalid(batchId, checked.issues);
  const { settings, items } = checked;
  if (settings.searchAttributes && !workflowInfo().typedSearchAttributes.get(RIVYA_BATCH_ID))
    upsertSearchAttributes([{ key: RIVYA_BATCH_ID, value: batchId }]);
  const account = batchAccountOf(settings);
  if (account !== undefined && settings.searchAttributes && workflowInfo().typedSearchAttributes.get(RIVYA_ACCOUNT) !== account)
    upsertSearchAttributes([{ key: RIVYA_ACCOUNT, value: account }]);
  const wallet = await readWallet(batchId, account);
  const { required, cap: budget, short } = batchStartCheck(items, settings.budget, wallet);
  if (short !== undefined) {
    throw batchFailure(
      BatchFailureTypes.BudgetExceeded,
      `the ${items.length} items cost ${required} credits, more than ${short}; nothing was started`,
      {
        batchId,
        required,
        budget: settings.budget ?? null,
        wallet,
      },
    );
  }
  await passBatchApproval({
    batchId,
    approval: settings.approval,
    items: items.length,
    requiredCredits: required,
    searchAttributes: settings.searchAttributes,
    credits: { budget, walletAtStart: wallet, spent: 0 },
    concurrency: settings.concurrency,
    onFailure: settings.onFailure,
  });
  const state = initialBatchState(items, { budget, walletAtStart: wallet, spent: 0 }, Date.now());
  return new BatchRun(batchId, input, settings, state).run();
}

function invalid(batchId: string, issues: { path: string; message: string }[]): ApplicationFailure {
  return batchFailure(BatchFailureTypes.BatchInvalid, `invalid batch input: ${describeIssues(issues)}`, { batchId, issues });
}

async function readWallet(batchId: string, account: string | undefined): Promise<number> {
  try {
    // The batch's account's wallet; a batch naming none calls it as before (no argument).
    return await proxyActivities<BatchActivities>(ACTIVITY_OPTIONS.wallet).rivyaGetCredits(...(account === undefined ? [] : [account]));
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    throw batchFailure(BatchFailureTypes.WalletUnavailable, `could not read the wallet (GET /credits): ${cause}; nothing was started`, {
      batchId,
    });
  }
}

class BatchRun {
  private readonly state: BatchCarriedState;
  private readonly inFlight = new Map<string, InFlight>();
  /** Every key the batch has ever had: a key names one item (and one child id) for the batch's life. */
  private readonly keys = new Set<string>();
  private readonly counts: Omit<BatchCounts, 'total' | 'queued' | 'running'> = { succeeded: 0, failed: 0, cancelled: 0, skipped: 0 };
  private queueHead = 0;
  private reserved = 0;
  private startedThisRun = 0;
  private pendingStarts = 0;
  private changed = false;
  private phase: BatchStatus['phase'] = 'running';
  /** Set once the run has decided to end: later Updates are refused. */
  private finishing = false;

  constructor(
    private readonly batchId: string,
    private readonly input: Sora2BatchInput,
    private readonly settings: Sora2BatchSettings,
    state: BatchCarriedState,
  ) {
    this.state = state;
    for (const outcome of state.outcomes) {
      this.keys.add(outcome.key);
      this.counts[outcome.status] += 1;
    }
    for (const item of state.queue) this.keys.add(item.key);
    for (const item of state.running) this.keys.add(item.key);
    if (state.stop) this.phase = 'stopping';
    setHandler(sora2BatchStatusQuery, () => this.status());
    setHandler(sora2BatchAddItemsUpdate, (items) => this.addItems(items), { validator: (items) => this.validateAddItems(items) });
    setHandler(sora2BatchCancelRemainingUpdate, (request) => this.cancelRemaining(request?.cancelRunning === true), {
      validator: (request) => {
        if (this.finishing) throw invalidOperatorUpdate('the batch has already finished');
        if (request !== undefined && (typeof request !== 'object' || request === null))
          throw invalidOperatorUpdate('takes { cancelRunning?: boolean }');
      },
    });
  }

  async run(): Promise<Sora2BatchResult> {
    // Children an earlier run started and that had not finished: waited for by id.
    const foreign = this.state.running;
    this.state.running = [];
    for (const item of foreign) this.follow(item.key, item.price, true);
    try {
      for (;;) {
        this.fill();
        this.publish();
        if (this.inFlight.size === 0 && (this.queued === 0 || this.state.stop)) break;
        if (this.continueAsNewDue() && this.queued > 0 && !this.state.stop) await this.continueAsNew();
        await condition(() => this.changed);
        this.changed = false;
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
      await this.cancelled();
    }
    this.finishing = true;
    this.phase = 'finished';
    this.publish();
    await condition(allHandlersFinished);
    return this.result();
  }

  private get queued(): number {
    return this.state.queue.length - this.queueHead;
  }

  /** Starts queued items while there is room in the concurrency cap and the budget. */
  private fill(): void {
    const { budget } = this.state.credits;
    while (!this.state.stop && !this.continueAsNewDue() && this.inFlight.size < this.settings.concurrency && this.queued > 0) {
      const item = this.state.queue[this.queueHead]!;
      if (!fitsBudget(budget, committedCredits(this.state.credits.spent, this.reserved), item.price)) {
        // Refunds of running items may make room; with nothing running, nothing ever will.
        if (this.inFlight.size > 0) return;
        this.queueHead += 1;
        this.record(
          skippedOutcome(
            item.key,
            BatchFailureTypes.BudgetExceeded,
            `costs ${item.price}; ${this.state.credits.spent} of the budget ${budget} spent`,
          ),
        );
        continue;
      }
      this.queueHead += 1;
      this.startItem(item);
    }
  }

  private continueAsNewDue(): boolean {
    return this.startedThisRun >= this.settings.maxChildrenPerRun || workflowInfo().continueAsNewSuggested;
  }

  private startItem(item: PreparedItem): void {
    this.startedThisRun += 1;
    this.pendingStarts += 1;
    const entry = this.track(item.key, item.price, false);
    entry.scope
      .run(async (): Promise<ChildConclusion> => {
        let handle;
        try {
          handle = await startChild(sora2Generation, {
            workflowId: childWorkflowId(this.batchId, item.key),
            args: [item.input],
            ...(this.settings.childTaskQueue ? { taskQueue: this.settings.childTaskQueue } : {}),
            parentClosePolicy: 'ABANDON',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            staticSummary: `${item.model}: item ${item.key} of batch ${this.batchId}`.slice(0, 200),
            ...(this.settings.searchAttributes ? { typedSearchAttributes: this.childSearchAttributes(item) } : {}),
          });
        } catch (err) {
          this.startSettled();
          // Taken by an earlier run or batch: that child is this item. Wait for it instead of paying again.
          if (err instanceof WorkflowExecutionAlreadyStartedError) return this.awaitForeignChild(item.key);
          throw err;
        }
        this.startSettled();
        return conclusionOfResult(await handle.result());
      })
      .then(
        (conclusion) => this.finish(item.key, conclusion),
        (err: unknown) => this.finish(item.key, conclusionOfError(err)),
      );
  }

  private startSettled(): void {
    this.pendingStarts -= 1;
    this.changed = true;
  }

  private childSearchAttributes(item: PreparedItem): SearchAttributePair[] {
    return [
      { key: RIVYA_BATCH_ID, value: this.batchId },
      { key: RIVYA_MODEL, value: item.model },
      ...(item.input.account !== undefined ? [{ key: RIVYA_ACCOUNT, value: item.input.account }] : []),
    ];
  }

  /** Waits for a child this run did not start (carried across continue-as-new). */
  private follow(key: string, price: number, foreign: boolean): void {
    const entry = this.track(key, price, foreign);
    entry.scope
      .run(() => this.awaitForeignChild(key))
      .then(
        (conclusion) => this.finish(key, conclusion),
        (err: unknown) => this.finish(key, conclusionOfError(err)),
      );
  }

  private track(key: string, price: number, foreign: boolean): InFlight {
    // A foreign child's wait is not cancelled with the batch: the child is cancelled by id and the
    // wait goes on until it has really ended, so its credits are known.
    const scope = foreign ? new CancellationScope({ cancellable: false }) : new CancellationScope();
    const entry: InFlight = { key, price, scope, foreign };
    this.inFlight.set(key, entry);
    this.reserved += price;
    this.changed = true;
    return entry;
  }

  private async awaitForeignChild(key: string): Promise<ChildConclusion> {
    const entry = this.inFlight.get(key);
    if (entry) entry.foreign = true;
    return proxyActivities<BatchActivities>({ ...ACTIVITY_OPTIONS.awaitChild, summary: `wait for item ${key}` }).sora2AwaitChild(
      childWorkflowId(this.batchId, key),
    );
  }

  private finish(key: string, conclusion: ChildConclusion): void {
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.inFlight.delete(key);
    this.reserved -= entry.price;
    const outcome = outcomeOf(key, conclusion, entry.price);
    this.record(outcome);
    if (outcome.status === 'failed' && this.settings.onFailure === 'stop' && !this.state.stop)
      this.stopBatch({ reason: 'item-failed', key, cancelRunning: this.settings.onStop === 'cancel-running' });
  }

  private record(outcome: BatchItemOutcome): void {
    this.state.outcomes.push(outcome);
    this.counts[outcome.status] += 1;
    this.state.credits.spent += outcome.credits;
    this.changed = true;
  }

  /** No new items: queued ones are skipped; running ones finish, or are cancelled when the stop says so. */
  private stopBatch(stop: BatchStop): number {
    this.state.stop = stop;
    this.phase = 'stopping';
    const why =
      stop.reason === 'operator' ? 'an operator cancelled the remaining items' : `the batch stopped after item ${stop.key} failed`;
    while (this.queued > 0) {
      const item = this.state.queue[this.queueHead]!;
      this.queueHead += 1;
      this.record(skippedOutcome(item.key, 'NotStarted', why));
    }
    let cancelled = 0;
    if (stop.cancelRunning) for (const entry of this.inFlight.values()) cancelled += this.cancelEntry(entry);
    this.changed = true;
    return cancelled;
  }

  private cancelEntry(entry: InFlight): number {
    if (entry.foreign) {
      // Not awaited: the request is a command; the wait goes on until the child has ended.
      void getExternalWorkflowHandle(childWorkflowId(this.batchId, entry.key))
        .cancel()
        .catch(() => undefined);
    } else entry.scope.cancel();
    return 1;
  }

  /** The batch was cancelled: skip what is queued, cancel what runs, wait until every child has ended. */
  private async cancelled(): Promise<never> {
    await CancellationScope.nonCancellable(async () => {
      if (!this.state.stop) this.stopBatch({ reason: 'operator', key: null, cancelRunning: true });
      else for (const entry of this.inFlight.values()) this.cancelEntry(entry);
      this.publish();
      await condition(() => this.inFlight.size === 0);
    });
    this.finishing = true;
    this.phase = 'finished';
    this.publish();
    throw batchFailure(BatchFailureTypes.BatchCancelled, `batch ${this.batchId} cancelled: queued items skipped, running ones cancelled`, {
      batchId: this.batchId,
      counts: { ...this.counts },
      spent: this.state.credits.spent,
    });
  }

  private cancelRemaining(cancelRunning: boolean): CancelRemainingResult {
    const before = this.counts.skipped;
    let cancelled = 0;
    if (!this.state.stop) cancelled = this.stopBatch({ reason: 'operator', key: null, cancelRunning });
    else if (cancelRunning && !this.state.stop.cancelRunning) {
      this.state.stop.cancelRunning = true;
      for (const entry of this.inFlight.values()) cancelled += this.cancelEntry(entry);
    }
    this.publish();
    return { skipped: this.counts.skipped - before, cancelled, running: this.inFlight.size - cancelled };
  }

  /** Refuses (without history) added items that are invalid, too many, too large or over the budget. */
  private validateAddItems(items: Sora2BatchItem[]): void {
    if (this.finishing) throw invalidOperatorUpdate('the batch has already finished');
    if (this.state.stop) throw invalidOperatorUpdate('the batch has stopped starting items');
    if (!Array.isArray(items) || items.length === 0) throw invalidOperatorUpdate('addItems takes a non-empty array of items');
    if (items.length > BATCH_LIMITS.maxItemsPerAdd)
      throw invalidOperatorUpdate(`at most ${BATCH_LIMITS.maxItemsPerAdd} items per addItems`);
    const size = jsonBytesOf(items);
    if (size > BATCH_LIMITS.maxAddJsonBytes)
      throw invalidOperatorUpdate(`the items must be at most ${BATCH_LIMITS.maxAddJsonBytes} bytes of JSON`);
    const total = this.keys.size + items.length;
    if (total > BATCH_LIMITS.maxItems)
      throw invalidOperatorUpdate(`a batch holds at most ${BATCH_LIMITS.maxItems} items (it would have ${total})`);
    const prepared = this.prepare(items);
    if (prepared.issues.length > 0) throw invalidOperatorUpdate(`invalid items: ${describeIssues(prepared.issues)}`);
    const carried = this.carriedBytes() + prepared.items.reduce((sum, item) => sum + item.bytes, 0);
    if (carried > BATCH_LIMITS.maxCarriedJsonBytes)
      throw invalidOperatorUpdate(
        `too large: the batch's items and result records would take ~${carried} bytes, over ${BATCH_LIMITS.maxCarriedJsonBytes}`,
      );
    const worstCase = this.committedWorstCase() + totalPrice(prepared.items);
    const { budget } = this.state.credits;
    if (budget !== null && worstCase > budget)
      throw invalidOperatorUpdate(
        `over budget: ${worstCase} credits committed if every item is charged, budget ${budget}; nothing was added`,
      );
  }

  private addItems(items: Sora2BatchItem[]): AddItemsResult {
    const prepared = this.prepare(items);
    // The validator ran on this very state (Updates are applied in order), so there are no issues here.
    for (const item of prepared.items) {
      this.state.queue.push(item);
      this.keys.add(item.key);
    }
    this.state.nextIndex += items.length;
    this.changed = true;
    this.publish();
    return {
      keys: prepared.items.map((item) => item.key),
      queued: this.queued,
      committedWorstCase: this.committedWorstCase(),
      budget: this.state.credits.budget,
    };
  }

  private prepare(items: Sora2BatchItem[]) {
    return prepareItems(items, {
      batchId: this.batchId,
      settings: this.settings,
      firstIndex: this.state.nextIndex,
      takenKeys: this.keys,
      path: 'addItems',
    });
  }

  /** Spent + the price of everything running and queued: what the batch costs if every item is charged. */
  private committedWorstCase(): number {
    return committedCredits(this.state.credits.spent, this.reserved) + totalPrice(this.state.queue.slice(this.queueHead));
  }

  private carriedBytes(): number {
    const outcomes = jsonBytesOf(this.state.outcomes);
    const queued = this.state.queue.slice(this.queueHead).reduce((sum, item) => sum + item.bytes, 0);
    return outcomes + queued;
  }

  /**
   * Hands the queue, the running children's keys and the outcomes to a fresh run. Waits until no
   * start is in flight (a child whose start is unanswered might or might not exist) and no
   * Update handler runs.
   */
  private async continueAsNew(): Promise<never> {
    this.phase = 'continuing-as-new';
    this.publish();
    await condition(() => this.pendingStarts === 0 && allHandlersFinished());
    const state: BatchCarriedState = {
      ...this.state,
      queue: this.state.queue.slice(this.queueHead),
      running: [...this.inFlight.values()].map(({ key, price }) => ({ key, price })),
      continuedAsNew: this.state.continuedAsNew + 1,
    };
    // The items live in the state now; the input keeps only the settings.
    const { items: _items, variants: _variants, ...settingsOnly } = this.input;
    return continueAsNew<typeof sora2Batch>(settingsOnly, state);
  }

  private status(): BatchStatus {
    const runningKeys: string[] = [];
    for (const key of this.inFlight.keys()) {
      if (runningKeys.length === 20) break;
      runningKeys.push(key);
    }
    return {
      phase: this.phase,
      counts: this.countsNow(),
      credits: { ...this.state.credits, reserved: this.reserved },
      concurrency: this.settings.concurrency,
      onFailure: this.settings.onFailure,
      stop: this.state.stop,
      continuedAsNew: this.state.continuedAsNew,
      startedAt: new Date(this.state.startedAtMs).toISOString(),
      runningKeys,
    };
  }

  private countsNow(): BatchCounts {
    const running = this.inFlight.size;
    const queued = this.queued;
    const done = this.counts.succeeded + this.counts.failed + this.counts.cancelled + this.counts.skipped;
    return { total: done + running + queued, queued, running, ...this.counts };
  }

  private publish(): void {
    setCurrentDetails(renderBatchDetails(this.status()));
  }

  private result(): Sora2BatchResult {
    const now = Date.now();
    return {
      batchId: this.batchId,
      counts: this.countsNow(),
      credits: this.state.credits,
      stop: this.state.stop,
      continuedAsNew: this.state.continuedAsNew,
      timings: {
        startedAt: new Date(this.state.startedAtMs).toISOString(),
        completedAt: new Date(now).toISOString(),
        totalMs: now - this.state.startedAtMs,
      },
      items: this.state.outcomes,
    };
  }
}

/** A child's failure (or the failure of waiting for it) as a conclusion; an unknown cost counts at full price. */
function conclusionOfError(err: unknown): ChildConclusion {
  const cause = err instanceof ChildWorkflowFailure || err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return conclusionOfFailure(cause.type, cause.message, cause.details?.[0]);
  if (cause instanceof CancelledFailure || isCancellation(err))
    return { kind: 'failed', type: 'GenerationCancelled', message: 'cancelled', taskId: null, credits: null, cancelled: true };
  const message = cause instanceof Error ? cause.message : String(cause);
  return { kind: 'failed', type: CHILD_ENDED_OTHERWISE, message, taskId: null, credits: null, cancelled: false };
}
