/**
 * The packaged worker's workflow code, bundled once at build time (`npm run build` writes
 * dist/sora2-workflows.bundle.js) instead of by webpack inside every worker start: the worker starts
 * in about a second and never carries webpack's memory peak. A worker given its own workflowsPath or
 * workflowBundle, or run without the built file (from sources), bundles at start as usual.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleOption } from '@temporalio/worker';
import { packageRoot } from '../internal/package-root';
import { findPackage } from './sdk-compat';

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

/** Beside the bundles: the `@temporalio/workflow` version they were built with. */
export function workflowBundleManifestPath(): string {
  return join(packageRoot(), 'dist', 'sora2-workflows.bundle.json');
}

interface BundleManifest {
  workflowVersion: string;
}

/** The version the prebuilt bundles carry, or undefined when no manifest was written. */
export function prebuiltBundleWorkflowVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(workflowBundleManifestPath(), 'utf8')) as BundleManifest).workflowVersion;
  } catch {
    return undefined;
  }
}

/**
 * The prebuilt bundle when this code runs from the built package and the installed
 * `@temporalio/workflow` is exactly the version the bundle carries; else undefined, and the worker
 * bundles at start. A bundle from another SDK version inside this worker would be the two-copies bug
 * by another route; from TypeScript sources a dist/ bundle may be older than the code being run.
 */
export function prebuiltWorkflowBundle(
  traced = false,
  installedWorkflowVersion = findPackage('@temporalio/workflow', packageRoot())?.version,
): WorkflowBundleOption | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const codePath = prebuiltWorkflowBundlePath(traced);
  if (!existsSync(codePath)) return undefined;
  const builtWith = prebuiltBundleWorkflowVersion();
  return builtWith !== undefined && builtWith === installedWorkflowVersion ? { codePath } : undefined;
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
