/**
 * The Rivya client of a run's account, as every activity that talks to Rivya gets it: the input's
 * optional `account` chooses it, none means the worker's default key. A name the worker does not
 * know is a non-retryable UnknownAccount failure, thrown before the activity does anything (so
 * before an upload or a create: nothing is paid for).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { RivyaClient } from '../src/rivya';
import {
  AccountKeyUnavailableError,
  isClientsByAccount,
  singleClientSource,
  UnknownAccountError,
  type RivyaClientsByAccount,
} from '../src/worker/account-clients';
import { UNKNOWN_ACCOUNT, ACCOUNT_KEY_UNAVAILABLE } from '../workflows/common/failures';

/** A single client (every named account unknown) or the worker's clients by account. */
export type RivyaClientSource = RivyaClient | RivyaClientsByAccount;

export function clientsByAccount(source: RivyaClientSource): RivyaClientsByAccount {
  return isClientsByAccount(source) ? source : singleClientSource(source as RivyaClient);
}

export async function clientOfRun(clients: RivyaClientsByAccount, account: string | undefined): Promise<RivyaClient> {
  try {
    return await clients.clientFor(account);
  } catch (err) {
    if (err instanceof UnknownAccountError) {
      throw ApplicationFailure.create({ type: UNKNOWN_ACCOUNT, message: err.message, nonRetryable: true });
    }
    if (err instanceof AccountKeyUnavailableError) {
      throw ApplicationFailure.create({ type: ACCOUNT_KEY_UNAVAILABLE, message: err.message, nonRetryable: err.permanent });
    }
    throw err;
  }
}
