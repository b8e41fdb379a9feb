/** Build step (`npm run build`): writes the packaged worker's prebuilt workflow bundles (plain and traced) into dist/. */
import { writeFileSync } from 'node:fs';
import { packageRoot } from '../../src/internal/package-root';
import { findPackage } from '../../src/worker/sdk-compat';
import { prebuiltWorkflowBundlePath, workflowBundleManifestPath, writeWorkflowBundle } from '../../src/worker/workflow-bundle';

async function writeBoth(): Promise<void> {
  for (const traced of [false, true]) {
    const { path, bytes } = await writeWorkflowBundle(prebuiltWorkflowBundlePath(traced), traced);
    console.log(`workflow bundle: ${path} (${(bytes / 2 ** 20).toFixed(2)} MB)`);
  }
  // The SDK version inside the bundles: a worker on any other version bundles at start instead.
  const workflowVersion = findPackage('@temporalio/workflow', packageRoot())?.version;
  if (!workflowVersion) throw new Error('build: @temporalio/workflow is not installed');
  writeFileSync(workflowBundleManifestPath(), `${JSON.stringify({ workflowVersion })}\n`);
}

writeBoth().then(
  () => undefined,
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
