/**
 * D8 webhook endpoint management as a client resource (`client.webhooks`, `client.webhookEvents`),
 * in the manner of openai-node's resources. Each call goes through the client's own request
 * function, so the transport rules are the client's: bearer auth, no redirects followed, capped
 * bodies, timeouts, the API key redacted from everything, typed errors (`webhook_url_rejected` is a
 * RivyaWebhookUrlRejectedError). Scope `webhooks:manage`.
 */
import type { RequestOptions, RivyaRequestFn } from './client';
import {
  webhookDeleteAnswerSchema,
  webhookDeliveryListSchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
  webhookEventListSchema,
  webhookTestAnswerSchema,
  type CreateWebhookEndpointParams,
  type RivyaList,
  type UpdateWebhookEndpointParams,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEventListItem,
  type WebhookTestResult,
} from './webhook-schemas';

const WEBHOOKS_PATH = '/api/v1/webhooks';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** Paging the lists (newest first). D8 is silent on it: `limit` is sent only when given. */
export interface WebhookListParams {
  limit?: number;
}

function withQuery(path: string, params: WebhookListParams): string {
  if (params.limit === undefined) return path;
  if (!Number.isSafeInteger(params.limit) || params.limit < 1) throw new TypeError('limit must be a positive integer');
  return `${path}?limit=${params.limit}`;
}

/** The answer to `delete`: the endpoint as Rivya last showed it, when the answer carried it. */
export interface WebhookEndpointDeleted {
  id: string;
  deleted: true;
  endpoint: WebhookEndpoint | null;
}

function endpointPath(endpointId: string, suffix = ''): string {
  if (!endpointId) throw new TypeError('a webhook endpoint id is required');
  return `${WEBHOOKS_PATH}/${encodeURIComponent(endpointId)}${suffix}`;
}

export class RivyaWebhooks {
  readonly #request: RivyaRequestFn;

  constructor(request: RivyaRequestFn) {
    this.#request = request;
  }

  /**
   * `POST /api/v1/webhooks`: registers an endpoint. The answer carries `signing_secret`, which
   * Rivya shows only this once: store it (the receiver's RIVYA_WEBHOOK_SECRETS), never log it.
   */
  async create(params: CreateWebhookEndpointParams, options: RequestOptions = {}): Promise<WebhookEndpointWithSecret> {
    return this.#request('POST', WEBHOOKS_PATH, {
      ...options,
      schema: webhookEndpointWithSecretSchema,
      body: JSON.stringify({ name: params.name, url: params.url, event_types: params.event_types }),
      headers: JSON_HEADERS,
    });
  }

  /** `GET /api/v1/webhooks`: this account's endpoints, with secret previews only. */
  async list(params: WebhookListParams = {}, options: RequestOptions = {}): Promise<RivyaList<WebhookEndpoint>> {
    return this.#request('GET', withQuery(WEBHOOKS_PATH, params), { ...options, schema: webhookEndpointListSchema });
  }

  /** `GET /api/v1/webhooks/{id}`. Another account's endpoint is `not_found`, like an unknown id. */
  async retrieve(endpointId: string, options: RequestOptions = {}): Promise<WebhookEndpoint> {
    return this.#request('GET', endpointPath(endpointId), { ...options, schema: webhookEndpointSchema });
  }

  /** `PATCH /api/v1/webhooks/{id}`: only the fields given are sent. */
  async update(endpointId: string, patch: UpdateWebhookEndpointParams, options: RequestOptions = {}): Promise<WebhookEndpoint> {
    const body = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    return this.#request('PATCH', endpointPath(endpointId), {
      ...options,
      schema: webhookEndpointSchema,
      body: JSON.stringify(body),
      headers: JSON_HEADERS,
    });
  }

  /**
   * `DELETE /api/v1/webhooks/{id}`: no more deliveries, the secret signs nothing more. The endpoint
   * may live on as `revoked` (D8's `revoked_at`): still readable and listed, no longer changeable.
   */
  async delete(endpointId: string, options: RequestOptions = {}): Promise<WebhookEndpointDeleted> {
    const answer = await this.#request('DELETE', endpointPath(endpointId), {
      ...options,
      schema: webhookDeleteAnswerSchema,
      allowEmptyBody: true,
    });
    const endpoint = answer && 'url' in answer ? answer : null;
    return { id: answer?.id ?? endpointId, deleted: true, endpoint };
  }

  /**
   * `POST /api/v1/webhooks/{id}/rotate-secret`: a new signing secret, shown only this once.
   * Deliveries already signed with the old secret (retries included) keep arriving for a while:
   * the receiver must accept both until those are done.
   */
  async rotateSecret(endpointId: string, options: RequestOptions = {}): Promise<WebhookEndpointWithSecret> {
    return this.#request('POST', endpointPath(endpointId, '/rotate-secret'), {
      ...options,
      schema: webhookEndpointWithSecretSchema,
      body: '{}',
      headers: JSON_HEADERS,
    });
  }

  /** `GET /api/v1/webhooks/{id}/deliveries`: recent delivery attempts to this endpoint. */
  async deliveries(endpointId: string, params: WebhookListParams = {}, options: RequestOptions = {}): Promise<RivyaList<WebhookDelivery>> {
    return this.#request('GET', withQuery(endpointPath(endpointId, '/deliveries'), params), {
      ...options,
      schema: webhookDeliveryListSchema,
    });
  }

  /** `POST /api/v1/webhooks/{id}/test`: asks Rivya to send a signed test event to the endpoint. */
  async test(endpointId: string, options: RequestOptions = {}): Promise<WebhookTestResult> {
    return this.#request('POST', endpointPath(endpointId, '/test'), {
      ...options,
      schema: webhookTestAnswerSchema,
      body: '{}',
      headers: JSON_HEADERS,
      allowEmptyBody: true,
    });
  }
}

export class RivyaWebhookEvents {
  readonly #request: RivyaRequestFn;

  constructor(request: RivyaRequestFn) {
    this.#request = request;
  }

  /** `GET /api/v1/webhook-events`: the account's recent events (or, where a server lists them so, event types). */
  async list(params: WebhookListParams = {}, options: RequestOptions = {}): Promise<RivyaList<WebhookEventListItem>> {
    return this.#request('GET', withQuery('/api/v1/webhook-events', params), { ...options, schema: webhookEventListSchema });
  }
}
