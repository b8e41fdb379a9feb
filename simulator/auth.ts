/** Bearer-key authentication and scopes (D1, D6). */
import type { IncomingMessage } from 'node:http';
import type { SimulatorApiKey, SimulatorConfig } from './config';
import { SimulatorHttpError } from './http';

export interface Caller {
  apiKey: string;
  account: string;
}

export function authenticate(req: IncomingMessage, config: SimulatorConfig, scope: string | undefined): Caller {
  const header = req.headers.authorization;
  if (!header) throw new SimulatorHttpError(401, 'api_key_missing', 'Authorization header with a Bearer API key is required.');
  const match = /^Bearer\s+(\S+)$/.exec(header);
  const key = match?.[1];
  const entry: SimulatorApiKey | undefined = key ? config.apiKeys.find((candidate) => candidate.key === key) : undefined;
  // Never echo the presented key back: it may be a real secret sent to the wrong place.
  if (!key || !key.startsWith('rvya_sk_') || !entry) throw new SimulatorHttpError(401, 'api_key_invalid', 'The API key is not valid.');
  if (entry.state === 'revoked') throw new SimulatorHttpError(401, 'api_key_revoked', 'The API key has been revoked.');
  if (entry.state === 'expired') throw new SimulatorHttpError(401, 'api_key_expired', 'The API key has expired.');
  if (scope && entry.scopes && !entry.scopes.includes(scope)) {
    throw new SimulatorHttpError(403, 'api_scope_denied', `The API key lacks the ${scope} scope.`);
  }
  return { apiKey: key, account: entry.account };
}
