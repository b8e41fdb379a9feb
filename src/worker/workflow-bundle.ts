/**
 * The packaged worker's workflow code, bundled once at build time (`npm run build` writes
 * dist/sora2-workflows.bundle.js) instead of by webpack inside every worker start: the worker starts
 * in about a second and never carries webpack's memory peak. A worker given its own workflowsPath or
 * workflowBundle, or run without the built file (from sources), bundles at start as usual.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleOption } from '@temporalio/worker';
import { packageRoot } from '../package-root';

export const SORA2_WORKFLOW_BUNDLE_FILE = 'sora2-workflows.bundle.js';

export function prebuiltWorkflowBundlePath(): string {
  return join(packageRoot(), 'dist', SORA2_WORKFLOW_BUNDLE_FILE);
}

/**
 * The prebuilt bundle when this code runs from the built package, else undefined (the worker then
 * bundles at start). From TypeScript sources a dist/ bundle may be older than the code being run.
 */
export function prebuiltWorkflowBundle(): WorkflowBundleOption | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const codePath = prebuiltWorkflowBundlePath();
  return existsSync(codePath) ? { codePath } : undefined;
}

export async function writeWorkflowBundle(outputPath = prebuiltWorkflowBundlePath()): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(outputPath, code);
  return { path: outputPath, bytes: Buffer.byteLength(code) };
}
