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
/**
 * The same workflows with OpenTelemetry's workflow interceptors bundled in, for workers that trace:
 * a prebuilt bundle cannot take interceptor modules at worker start (SimplePlugin drops them), and
 * the untraced bundle must not carry them (they would look for a span sink that is not there).
 */
export const SORA2_TRACED_WORKFLOW_BUNDLE_FILE = 'sora2-workflows-traced.bundle.js';
const OTEL_WORKFLOW_INTERCEPTORS = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

export function prebuiltWorkflowBundlePath(traced = false): string {
  return join(packageRoot(), 'dist', traced ? SORA2_TRACED_WORKFLOW_BUNDLE_FILE : SORA2_WORKFLOW_BUNDLE_FILE);
}

/**
 * The prebuilt bundle when this code runs from the built package, else undefined (the worker then
 * bundles at start). From TypeScript sources a dist/ bundle may be older than the code being run.
 */
export function prebuiltWorkflowBundle(traced = false): WorkflowBundleOption | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const codePath = prebuiltWorkflowBundlePath(traced);
  return existsSync(codePath) ? { codePath } : undefined;
}

export async function writeWorkflowBundle(
  outputPath = prebuiltWorkflowBundlePath(),
  traced = false,
): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    ...(traced ? { workflowInterceptorModules: [require.resolve(OTEL_WORKFLOW_INTERCEPTORS)] } : {}),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(outputPath, code);
  return { path: outputPath, bytes: Buffer.byteLength(code) };
}
