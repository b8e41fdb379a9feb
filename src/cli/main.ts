#!/usr/bin/env node
/** `rivya-sora2`: run, start, watch and stop Sora 2 generations on Temporal. */
import { missingCliPeers } from './peers';

const { missing, install } = missingCliPeers();
if (missing.length > 0) {
  console.error(`error: rivya-sora2 needs ${missing.join(' and ')} (optional peers of rivya-sora2-temporal): ${install}`);
  process.exit(2); // usage/configuration, as every other refusal of the CLI
}
// Loaded only now: the commands import the peers checked above.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- after the check, by design
require('./program');
