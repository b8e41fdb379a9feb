/**
 * D8's URL rules for webhook endpoints: HTTPS only, no credentials or fragment, no localhost,
 * loopback, private, link-local or reserved addresses. Checked when an endpoint is created or its
 * URL changes, and again before every attempt; names are checked once more at connect time
 * (`isDeliverableAddress`), so a name that resolves to a private address is refused too (S12).
 */
import { isIP } from 'node:net';
import { bareHostname, isLocalHostname, isLoopbackAddress, isLoopbackHostname, isPublicAddress } from '../../src/internal/net/ip-address';
import { SimulatorHttpError } from '../http';

const MAX_URL_CHARS = 2048;

export const webhookUrlRejected = (message: string) => new SimulatorHttpError(400, 'webhook_url_rejected', message);

export interface WebhookUrlPolicy {
  /** `config.webhooks.allowLoopbackUrls`: loopback targets, over http too (local runs, tests). */
  allowLoopbackUrls: boolean;
}

function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(host) || (isIP(host) !== 0 && isLoopbackAddress(host));
}

/** The parsed URL, or a 400 `webhook_url_rejected` naming the rule it breaks. */
export function checkWebhookUrl(raw: string, { allowLoopbackUrls }: WebhookUrlPolicy): URL {
  if (raw.length > MAX_URL_CHARS) throw webhookUrlRejected(`url: at most ${MAX_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw webhookUrlRejected('url: not an absolute URL');
  }
  // `new URL` drops an empty fragment (`…/hook#`), so look at what was given.
  if (raw.includes('#')) throw webhookUrlRejected('url: must not have a fragment');
  if (url.username || url.password) throw webhookUrlRejected('url: must not contain credentials');
  // WHATWG parsing has already normalised odd IPv4 spellings (0x7f.1, 2130706433) to dotted form.
  const host = bareHostname(url.hostname);
  const loopbackAllowed = allowLoopbackUrls && isLoopbackHost(host);
  if (url.protocol !== 'https:' && !(loopbackAllowed && url.protocol === 'http:')) throw webhookUrlRejected('url: must be https');
  if (loopbackAllowed) return url;
  if (isLocalHostname(host)) throw webhookUrlRejected('url: must not point at localhost or a metadata host');
  if (isIP(host) && !isPublicAddress(host)) {
    throw webhookUrlRejected('url: must not point at a loopback, private, link-local or reserved address');
  }
  return url;
}

/** Whether a delivery may connect to `address` (a resolved IP): public, or loopback when allowed. */
export function isDeliverableAddress(address: string, { allowLoopbackUrls }: WebhookUrlPolicy): boolean {
  return isPublicAddress(address) || (allowLoopbackUrls && isLoopbackAddress(address));
}
