/**
 * The Sora 2 activities of resolved settings: the Rivya client (a ready one, or one built from the
 * settings), the reference, wait and save settings. Built when a worker is configured, never at import:
 * a backend that only starts generations loads neither the activities nor their dependencies.
 */
import type { Tracer } from '@opentelemetry/api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { WaitOptions } from '../../activities';
import { createRivyaRequestObserver } from '../observability/rivya-http-observer';
import { saveConfigurationWarning } from '../storage/save-config-warning';
import { RivyaClient, type FetchLike } from '../rivya/client';
import { RivyaAccountClients, type AccountConnection } from './account-clients';
import { checkReferenceDirectory, checkSaveDirectory } from './directory-checks';
import { requireRivya, type Sora2Settings } from './resolve-settings';
import type { RivyaWorkerSettings } from './settings';
import { workerLogger } from './worker-logger';

/** What a program hands over ready-made, beside the settings. */
export interface ActivityParts {
  client?: RivyaClient;
  fetch?: FetchLike;
  s3Client?: S3Client;
  wait?: Pick<WaitOptions, 'learner' | 'priorScale'>;
  /** The tracer of the Rivya HTTP spans, when tracing is on. */
  tracer?: () => Tracer;
  /** Where the start-up warning goes; default the Temporal Runtime's logger. */
  warn?: (message: string) => void;
}

export function buildSora2Activities(settings: Sora2Settings, parts: ActivityParts) {
  const rivya = requireRivya(settings);
  // A missing or unreadable directory fails the worker's start, not every upload later.
  checkReferenceDirectory(rivya.referenceDirectory);
  checkSaveDirectory(rivya.save.saveDirectory);
  // Said once at start; each generation's target is still checked before it is paid for.
  const saveWarning = saveConfigurationWarning({
    saveDirectory: rivya.save.saveDirectory,
    s3ClientGiven: !!parts.s3Client,
    env: process.env,
  });
  if (saveWarning) (parts.warn ?? ((message: string) => workerLogger().warn(message)))(saveWarning);
  const defaultClient = parts.client ?? clientOf(connectionFrom(rivya.connection!), parts);
  // Each run's activities use the client of its `account` (account-clients.ts); none: the default.
  const client = rivya.accounts.any
    ? new RivyaAccountClients(defaultClient, rivya.accounts, (connection) => clientOf(connection, parts), {
        providerConnection: rivya.connection
          ? { baseUrl: rivya.connection.RIVYA_BASE_URL, timeoutMs: rivya.connection.RIVYA_REQUEST_TIMEOUT_MS }
          : undefined,
      })
    : defaultClient;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred to worker configuration (see above)
  const { createSora2Activities } = require('../../activities') as typeof import('../../activities');
  const sora2 = createSora2Activities(
    client,
    { referenceDirectory: rivya.referenceDirectory, urlPolicy: settings.referenceUrlPolicy },
    { ...parts.wait, webhooksByDefault: rivya.webhooks },
    { ...rivya.save, s3Client: parts.s3Client },
  );
  // The account budget's lease and settle (workflows/budget/): they reach the budget workflow with the worker's Temporal client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred like the others
  const { makeBudgetActivities } = require('../../activities/budget-lease') as typeof import('../../activities/budget-lease');
  return { ...sora2, ...makeBudgetActivities() };
}

function connectionFrom(settings: RivyaWorkerSettings): AccountConnection {
  return { apiKey: settings.RIVYA_API_KEY, baseUrl: settings.RIVYA_BASE_URL, timeoutMs: settings.RIVYA_REQUEST_TIMEOUT_MS };
}

function clientOf(connection: AccountConnection, parts: ActivityParts): RivyaClient {
  return new RivyaClient({
    apiKey: connection.apiKey,
    baseUrl: connection.baseUrl,
    timeoutMs: connection.timeoutMs,
    fetch: parts.fetch,
    // HTTP error counts always; spans when tracing is on.
    observer: createRivyaRequestObserver({ tracer: parts.tracer?.() }),
  });
}
