/**
 * A caller with no Temporal SDK: the Temporal server's own HTTP API with plain fetch, exactly the
 * requests the README shows with curl. The input goes as plain JSON (the API's shorthand for
 * `json/plain` payloads); results and failure details are read with `noPayloadShorthand=true` and
 * decoded from base64, because the shorthand turns an empty array into null (server 1.29.1).
 * Only for deployments without payload encryption (see the README).
 */

export interface HttpStart {
  workflowType: string;
  taskQueue: string;
  /** The workflow's arguments, as JSON. */
  args: unknown[];
  /** Temporal's WorkflowIdConflictPolicy, e.g. WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING (attach to a running one). */
  workflowIdConflictPolicy?: string;
}

/** A typed failure as a caller reads it: the ApplicationFailure's type and its details[0]. */
export interface ReadFailure {
  message: string;
  type?: string;
  nonRetryable?: boolean;
  details: unknown;
}

export type HttpClose =
  | { status: 'completed'; result: unknown; runIds: string[] }
  | { status: 'failed'; failure: ReadFailure; runIds: string[] }
  | { status: 'other'; eventType: string; runIds: string[] };

export interface HttpFailure {
  message: string;
  applicationFailureInfo?: { type?: string; nonRetryable?: boolean; details?: { payloads?: FullPayload[] } };
}

/** A payload in the API's full form: metadata values and data in base64. */
interface FullPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** The JSON a `json/plain` payload holds, exactly (what the shorthand would have shown, minus its [] → null). */
export function jsonOfPayload(payload: FullPayload | undefined): unknown {
  const encoding = Buffer.from(payload?.metadata?.encoding ?? '', 'base64').toString();
  if (encoding !== 'json/plain') throw new Error(`not a json/plain payload (encoding "${encoding}"): encrypted? see the README`);
  return JSON.parse(Buffer.from(payload?.data ?? '', 'base64').toString('utf8'));
}

interface HistoryEvent {
  eventType: string;
  workflowExecutionCompletedEventAttributes?: { result?: { payloads?: FullPayload[] } };
  workflowExecutionFailedEventAttributes?: { failure: HttpFailure };
  workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId: string };
}

async function call<T>(url: string, init?: { method: 'POST'; body: unknown }): Promise<T> {
  const response = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: init ? { 'content-type': 'application/json' } : undefined,
    body: init ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** `POST /api/v1/namespaces/{ns}/workflows/{id}`: starts (or, with USE_EXISTING, attaches to) a run. */
export async function startOverHttp(
  baseUrl: string,
  namespace: string,
  workflowId: string,
  start: HttpStart,
): Promise<{ runId: string; started: boolean }> {
  const body = {
    workflowType: { name: start.workflowType },
    taskQueue: { name: start.taskQueue },
    input: start.args,
    ...(start.workflowIdConflictPolicy ? { workflowIdConflictPolicy: start.workflowIdConflictPolicy } : {}),
  };
  const answer = await call<{ runId: string; started?: boolean }>(
    `${baseUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`,
    { method: 'POST', body },
  );
  return { runId: answer.runId, started: answer.started === true };
}

/**
 * Waits for the workflow's end: the history filtered to the close event, long-polled with
 * `waitNewEvent=true` (the server answers after ~20 s with no event and a nextPageToken: ask again
 * with it). A continue-as-new close event names the next run: follow it until a real end.
 */
export async function awaitCloseOverHttp(
  baseUrl: string,
  namespace: string,
  workflowId: string,
  options: { runId?: string; timeoutMs?: number } = {},
): Promise<HttpClose> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const runIds: string[] = [];
  let runId = options.runId;
  let pageToken: string | undefined;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${workflowId} did not close in time (runs ${runIds.join(', ')})`);
    const query = new URLSearchParams({
      historyEventFilterType: 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT',
      waitNewEvent: 'true',
      noPayloadShorthand: 'true',
    });
    if (runId) query.set('execution.runId', runId);
    if (pageToken) query.set('nextPageToken', pageToken);
    const page = await call<{ history?: { events?: HistoryEvent[] }; nextPageToken?: string }>(
      `${baseUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/history?${query}`,
    );
    const event = page.history?.events?.[0];
    if (!event) {
      pageToken = page.nextPageToken; // the long poll ended without the close event: ask again
      continue;
    }
    if (runId) runIds.push(runId);
    pageToken = undefined;
    switch (event.eventType) {
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED':
        return {
          status: 'completed',
          result: jsonOfPayload(event.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]),
          runIds,
        };
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED': {
        const failure = event.workflowExecutionFailedEventAttributes!.failure;
        const info = failure.applicationFailureInfo;
        return {
          status: 'failed',
          failure: {
            message: failure.message,
            type: info?.type,
            nonRetryable: info?.nonRetryable,
            details: jsonOfPayload(info?.details?.payloads?.[0]),
          },
          runIds,
        };
      }
      case 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW':
        runId = event.workflowExecutionContinuedAsNewEventAttributes!.newExecutionRunId;
        continue;
      default:
        return { status: 'other', eventType: event.eventType, runIds };
    }
  }
}
