/**
 * The account's check at the start of a run that names one: the key is looked up (the worker's
 * accounts, else its key provider) and the client built and cached, with no call to Rivya. An
 * unknown name fails non-retryably (UnknownAccount): the run ends before anything is paid.
 */
import type { CheckAccountInput } from '../workflows/common/activity-contract';
import type { RivyaClientsByAccount } from '../src/worker/account-clients';
import { clientOfRun } from './run-client';

export function makeCheckAccount(clients: RivyaClientsByAccount) {
  return async function rivyaCheckAccount(input: CheckAccountInput): Promise<void> {
    await clientOfRun(clients, input.account);
  };
}
