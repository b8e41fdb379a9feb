/**
 * The task lifecycle and the credit rule that goes with it (docs/rivya-contract.md D4, S6), as pure
 * functions: the workflow, the activities and the simulator all decide "finished?" and "refunded?"
 * here, so the rule exists once.
 */

export const TASK_STATUSES = ['queued', 'processing', 'succeeded', 'failed'] as const;
export type KnownTaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES = ['succeeded', 'failed'] as const satisfies readonly KnownTaskStatus[];
export type TerminalTaskStatus = (typeof TERMINAL_STATUSES)[number];

/** A task status as read from the wire: one of the documented four, or a newer one we treat as running. */
export type TaskStatus = KnownTaskStatus | (string & {});

export function isTerminal(status: TaskStatus): status is TerminalTaskStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Whether a task's reservation came back: yes, no, or not known until the task ends. */
export type RefundState = boolean | 'pending';

/**
 * S6: a failed task is refunded in full at the moment it turns failed (final credits 0); a
 * succeeded one is charged; a running one has not decided yet.
 */
export function refundState(task: { status: TaskStatus; finalCredits: number }): RefundState {
  if (!isTerminal(task.status)) return 'pending';
  return task.status === 'failed' && task.finalCredits === 0;
}
