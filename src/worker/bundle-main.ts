/** Build step (`npm run build`): writes the packaged worker's prebuilt workflow bundles (plain and traced) into dist/. */
import { prebuiltWorkflowBundlePath, writeWorkflowBundle } from './workflow-bundle';

async function writeBoth(): Promise<void> {
  for (const traced of [false, true]) {
    const { path, bytes } = await writeWorkflowBundle(prebuiltWorkflowBundlePath(traced), traced);
    console.log(`workflow bundle: ${path} (${(bytes / 2 ** 20).toFixed(2)} MB)`);
  }
}

writeBoth().then(
  () => undefined,
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
