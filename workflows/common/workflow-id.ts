/**
 * The workflow id is sent to Rivya twice: as the `Idempotency-Key` header and as
 * `client_request_id` (docs/rivya-contract.md D3, S2). An id Rivya cannot take would be refused on
 * every retry of the paid create — or, with a character a header cannot carry, fail before it is
 * sent — so it is checked before anything starts, like the rest of the input. Workflow-safe.
 */
import { MAX_CLIENT_REQUEST_ID_CHARS } from '../../src/contract/models';
import type { InputIssue } from '../generation/input';

/** Visible ASCII, spaces only inside: what an HTTP header value and a JSON string both carry intact. */
const HEADER_SAFE = /^[!-~](?:[ -~]*[!-~])?$/;

export function workflowIdIssues(workflowId: string): InputIssue[] {
  if (workflowId.length > MAX_CLIENT_REQUEST_ID_CHARS) {
    return [
      {
        path: 'workflowId',
        message: `must be at most ${MAX_CLIENT_REQUEST_ID_CHARS} characters (it is Rivya's client_request_id and Idempotency-Key)`,
      },
    ];
  }
  if (!HEADER_SAFE.test(workflowId)) {
    return [{ path: 'workflowId', message: 'must be printable ASCII without leading or trailing spaces (it is sent as an HTTP header)' }];
  }
  return [];
}
