/**
 * `npm run temporal:cli`: makes sure a Temporal CLI binary is on this machine (building it with Go
 * if needed) and prints its path. CI runs it before the tests so the build shows up as its own step.
 */
import { ensureTemporalCli } from './ensure';

ensureTemporalCli({ allowSdkDownload: false })
  .then((executable) => {
    if (executable.type === 'existing-path') console.log(executable.path);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
