import { DefaultLogger, Runtime } from '@temporalio/worker';

/** Interactive commands show their own progress; the SDK's INFO lines would bury it. */
export function quietSdkLogs(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
