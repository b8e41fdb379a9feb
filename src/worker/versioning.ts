/**
 * Worker Versioning from the environment, under the names Temporal's worker controller sets on each
 * worker pod: TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID. Both set: the worker joins that
 * deployment version. Neither: unversioned, as before. One alone is a configuration error.
 *
 * Default behaviour PINNED: a generation finishes on the build it started on (minutes; bounded by
 * its deadline), so a deploy never changes a polling workflow's code mid-flight and needs no
 * patch() for replay compatibility; the old version drains, then is retired. RIVYA_WORKER_VERSIONING_BEHAVIOR
 * =AUTO_UPGRADE moves running generations to the current build at their next workflow task instead.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { Sora2ConfigError } from './settings';

// Derived from WorkerOptions (since SDK 1.12): the package index exports the type only from 1.16.0,
// and the supported SDK range starts at 1.14.1.
type WorkerDeploymentOptions = NonNullable<WorkerOptions['workerDeploymentOptions']>;

export const DEPLOYMENT_NAME_ENV = 'TEMPORAL_DEPLOYMENT_NAME';
export const BUILD_ID_ENV = 'TEMPORAL_WORKER_BUILD_ID';
export const VERSIONING_BEHAVIOR_ENV = 'RIVYA_WORKER_VERSIONING_BEHAVIOR';

export class WorkerVersioningConfigError extends Sora2ConfigError {
  override readonly name = 'WorkerVersioningConfigError';
}

export function workerDeploymentFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerDeploymentOptions | undefined {
  const deploymentName = env[DEPLOYMENT_NAME_ENV]?.trim();
  const buildId = env[BUILD_ID_ENV]?.trim();
  if (!deploymentName && !buildId) return undefined;
  if (!deploymentName || !buildId) {
    throw new WorkerVersioningConfigError(
      `${deploymentName ? BUILD_ID_ENV : DEPLOYMENT_NAME_ENV} is not set: Worker Versioning needs both ${DEPLOYMENT_NAME_ENV} and ${BUILD_ID_ENV} (or neither)`,
    );
  }
  const behavior = (env[VERSIONING_BEHAVIOR_ENV]?.trim() || 'PINNED').toUpperCase();
  if (behavior !== 'PINNED' && behavior !== 'AUTO_UPGRADE') {
    throw new WorkerVersioningConfigError(`${VERSIONING_BEHAVIOR_ENV} must be PINNED or AUTO_UPGRADE, not ${env[VERSIONING_BEHAVIOR_ENV]}`);
  }
  return { version: { deploymentName, buildId }, useWorkerVersioning: true, defaultVersioningBehavior: behavior };
}
