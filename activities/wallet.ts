/** The wallet read a batch makes once at its start (GET /credits, D7): how many credits it may commit. */
import { Context } from '@temporalio/activity';
import type { RivyaClient } from '../src/rivya';
import { callRivya } from './rivya-failure';

export function makeWalletActivities(client: RivyaClient) {
  async function rivyaGetCredits(): Promise<number> {
    const { current_credits: credits } = await callRivya(() => client.getCredits({ signal: Context.current().cancellationSignal }));
    return credits;
  }
  return { rivyaGetCredits };
}
