/**
 * Runs once before all test files: makes sure a real Temporal CLI exists (building it with Go when
 * needed) and hands its path to every test worker through TEMPORAL_CLI_PATH. No binary, no tests:
 * this throws rather than letting server tests skip.
 */
import { ensureTemporalCli } from '../../tools/temporal-cli';

export default async function globalSetup(): Promise<void> {
  // In CI the download site is unreachable: only a located or built binary counts.
  const executable = await ensureTemporalCli({ allowSdkDownload: !process.env.CI });
  if (executable.type === 'existing-path') process.env.TEMPORAL_CLI_PATH = executable.path;
  else process.env.RIVYA_TEST_TEMPORAL_DOWNLOAD = '1';
}
