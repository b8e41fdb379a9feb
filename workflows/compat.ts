/**
 * Replay compatibility: every `patched()` id of the workflows, in one place. Each guards a history
 * command added after histories were recorded, so those histories replay with their old commands
 * and new runs get the new ones. The ledger — what each legacy branch does, the committed histories
 * in test/fixtures/histories/ that pin it, and how it goes away (`patched` → `deprecatePatch` →
 * delete) — is in docs/ARCHITECTURE.md ("Replay compatibility: the ledger"). Decision: the legacy
 * branches stay until 1.0.
 */

/**
 * A run that ends before its task exists upserts a final RivyaTaskStatus (legacy: left blank).
 * Asked in generation/sora2-generation.ts: on invalid input, and when the run fails before the create.
 */
export const PATCH_STATUS_BEFORE_TASK = 'rivya-task-status-before-task';

/**
 * Waiting by the worker's plan (webhook default, learned expectation, activity retries); legacy:
 * the durable-timer poll loop. Guarded by a patch, not only by the plan's presence: in a rolling
 * deploy an old workflow worker may have waited with timers on a plan that a new activity worker
 * returned; its history must replay so. Asked once per run, at its first wait (generation/wait.ts,
 * decidePlan); the legacy branch is generation/wait-by-timer.ts, the new one wait-by-plan.ts.
 */
export const PATCH_WAIT_PLAN = 'rivya-wait-plan';

/**
 * Before the paid create, a run with `save.to` asks the worker whether it can save there
 * (rivyaCheckSaveTarget); legacy: no check, the create comes first. Asked only by runs with
 * `save.to`, once, before the reference upload (generation/sora2-generation.ts, checkSaveTarget).
 */
export const PATCH_CHECK_SAVE_TARGET = 'rivya-check-save-target';

/**
 * A run whose input names an `account` first asks the worker whether it has a key for it
 * (rivyaCheckAccount), before the save-target check, the upload, an approval or a budget lease;
 * legacy: the upload or the create refuses an unknown account itself. Asked only by runs with
 * `account`, once, at the run's start (generation/account.ts, checkAccountBeforePaying).
 */
export const PATCH_CHECK_ACCOUNT = 'rivya-check-account';

/**
 * Before the paid create, a run whose input names an account budget (`accountBudget`) leases its
 * price from the budget workflow (rivyaBudgetLease), commits the lease with the task id and settles
 * it when the task ends; legacy: no lease. Asked only by runs with `accountBudget`, once, right
 * before the create (budget/generation-lease.ts, beforeCreate).
 */
export const PATCH_ACCOUNT_BUDGET_LEASE = 'rivya-account-budget-lease';
