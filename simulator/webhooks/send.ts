/**
 * One webhook request on the wire, as D8 and S10 describe it: a JSON `POST` with the Standard
 * Webhooks headers (S7), redirects not followed (node:http never follows them), a timeout, and a
 * connect-time address check so a name resolving to a private address is refused like the URL
 * itself would be. Answers what happened; never throws.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { checkWebhookUrl, isDeliverableAddress, type WebhookUrlPolicy } from './url-rules';

export interface SignedRequest {
  url: string;
  /** The `webhook-id` header: the event id, the same on every redelivery. */
  msgId: string;
  body: string;
  /** Signs `msgId.timestamp.body`; the `webhook-timestamp` header carries this moment in seconds. */
  signedAt: Date;
  /** `whsec_…` (S7). Used here, never logged or stored with the attempt. */
  secret: string;
}

export interface SendOutcome {
  /** The HTTP status; 0 when no answer came. */
  status: number;
  durationMs: number;
  error: string | null;
}

export interface SendOptions extends WebhookUrlPolicy {
  timeoutMs: number;
  /** Aborts the request (the simulator resets or closes). */
  signal: AbortSignal;
}

/** The three Standard Webhooks headers for this body, signed with `secret` at `signedAt`. */
export function signatureHeaders({ msgId, body, signedAt, secret }: Omit<SignedRequest, 'url'>): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, signedAt, body),
  };
}

export async function sendSigned(signed: SignedRequest, options: SendOptions): Promise<SendOutcome> {
  const headers = { 'content-type': 'application/json', ...signatureHeaders(signed) };
  return post(signed.url, signed.body, headers, options);
}

/** A request that pretends to be signed: `headers` are sent as given. */
export async function post(rawUrl: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendOutcome> {
  const started = Date.now();
  const outcome = (status: number, error: string | null): SendOutcome => ({ status, durationMs: Date.now() - started, error });
  let url: URL;
  try {
    // The settings may have changed since the endpoint was registered: the rules hold at send time.
    url = checkWebhookUrl(rawUrl, options);
  } catch (err) {
    return outcome(0, `url refused: ${(err as Error).message}`);
  }
  return new Promise<SendOutcome>((resolve) => {
    let settled = false;
    const finish = (status: number, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome(status, error));
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req: ClientRequest = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      // A fresh connection per attempt, closed after: no pooled socket outlives the simulator.
      agent: false,
      lookup: deliveryLookup(options) as never,
      signal: options.signal,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(0, `no answer within ${options.timeoutMs} ms`);
    }, options.timeoutMs);
    timer.unref();
    req.on('response', (res) => {
      // The answer's status is what counts; its body is read and thrown away.
      res.resume();
      res.on('error', () => undefined);
      finish(res.statusCode ?? 0, null);
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish(0, `connection failed: ${err.code ?? err.message}`));
    req.end(body);
  });
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** DNS answers are held to the same rules as an address in the URL (exported for its test). */
export function deliveryLookup(policy: WebhookUrlPolicy) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (list.length === 0 || list.some((entry) => !isDeliverableAddress(entry.address, policy))) {
        const refused: NodeJS.ErrnoException = new Error('the name resolves to an address webhooks may not reach');
        refused.code = 'WEBHOOK_ADDRESS_REFUSED';
        return callback(refused, []);
      }
      if ((options as LookupAllOptions).all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
