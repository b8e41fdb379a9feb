/** The wallet read a batch makes once at its start (GET /credits, D7): how many credits it may commit. */
import { Context } from '@temporalio/activity';
import type { RivyaClient } from '../src/rivya';
import { clientOfRun, clientsByAccount, type RivyaClientSource } from './run-client';
import { callRivya } from './rivya-failure';

/** The credits left in the key's wallet: the one wallet read, called by the activity and the dry run. */
export async function readWalletCredits(client: RivyaClient, signal?: AbortSignal): Promise<number> {
  const { current_credits: credits } = await client.getCredits({ signal });
  return credits;
}

export function makeWalletActivities(source: RivyaClientSource) {
  const clients = clientsByAccount(source);
  async function rivyaGetCredits(account?: string): Promise<number> {
    const client = await clientOfRun(clients, account);
    return callRivya(() => readWalletCredits(client, Context.current().cancellationSignal));
  }
  return { rivyaGetCredits };
}
