/**
 * The handlers of a running generation's messages (messages.ts): the status query, the pollNow
 * and webhook-event signals, and the operator Updates — extendDeadline, pollNow (with the fresh
 * status) and setPolling — each validated by the rules in operator-updates.ts, so a bad value
 * writes no history. An accepted Update wakes the wait in progress (wait.ts).
 */
import { condition, setHandler } from '@temporalio/workflow';
import { isTerminal } from '../../src/contract/task-status';
import {
  sora2ExtendDeadlineUpdate,
  sora2PollNowSignal,
  sora2PollNowUpdate,
  sora2SetPollingUpdate,
  sora2StatusQuery,
  sora2WebhookEventSignal,
  type GenerationPhase,
  type GenerationStatus,
} from './messages';
import { extendedDeadlineMs, pollingAfter, requireNotEnding, requireWaiting } from './operator-updates';
import type { Sora2CarriedState } from './state';
import type { GenerationWait } from './wait';
import { offerWebhookEvent } from './webhook-inbox';

/** What the handlers read and change of the run. */
export interface MessageTarget {
  readonly phase: GenerationPhase;
  readonly state: Sora2CarriedState;
  readonly wait: GenerationWait;
  currentStatus(): GenerationStatus;
  publishDetails(): void;
}

/** Registers every handler, in the order the run always has (buffered signals are delivered as each is set). */
export function setMessageHandlers(run: MessageTarget): void {
  const { state, wait } = run;
  setHandler(sora2StatusQuery, () => run.currentStatus());
  setHandler(sora2PollNowSignal, () => wait.askForCheck());
  setHandler(sora2WebhookEventSignal, (event) => {
    const task = state.task;
    offerWebhookEvent(wait.inbox, event, task?.id ?? null, task !== null && isTerminal(task.status));
  });
  setOperatorUpdateHandlers(run);
}

function setOperatorUpdateHandlers(run: MessageTarget): void {
  const { state, wait } = run;
  const deadlineFacts = () => ({ startedAtMs: state.startedAtMs, deadlineAtMs: state.deadlineAtMs, nowMs: Date.now() });
  setHandler(
    sora2ExtendDeadlineUpdate,
    (request) => {
      const previous = state.deadlineAtMs;
      state.deadlineAtMs = extendedDeadlineMs(request, deadlineFacts());
      wait.askForReplan();
      run.publishDetails();
      return { previousDeadlineAt: new Date(previous).toISOString(), deadlineAt: new Date(state.deadlineAtMs).toISOString() };
    },
    {
      validator: (request) => {
        requireNotEnding(run.phase);
        extendedDeadlineMs(request, deadlineFacts());
      },
    },
  );
  setHandler(
    sora2PollNowUpdate,
    async () => {
      const before = wait.checksCompleted;
      wait.askForCheck();
      // A webhook event may end the wait first: then the run has its answer and no check follows.
      await condition(() => wait.checksCompleted > before || run.phase !== 'polling');
      return run.currentStatus();
    },
    { validator: () => requireWaiting(run.phase) },
  );
  setHandler(
    sora2SetPollingUpdate,
    (request) => {
      const next = pollingAfter(request, wait.effectivePolling());
      // Only what was asked for is kept: an unset `webhooks` still follows the plan decided at the first wait.
      const overrides = { ...state.pollingOverrides };
      if (request.minIntervalMs !== undefined) overrides.minIntervalMs = next.minIntervalMs;
      if (request.maxIntervalMs !== undefined) overrides.maxIntervalMs = next.maxIntervalMs;
      if (request.webhooks !== undefined) overrides.webhooks = next.webhooks;
      state.pollingOverrides = overrides;
      wait.askForReplan();
      run.publishDetails();
      return wait.effectivePolling();
    },
    {
      validator: (request) => {
        requireNotEnding(run.phase);
        pollingAfter(request, wait.effectivePolling());
      },
    },
  );
}
