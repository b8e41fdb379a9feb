/** Build step (`npm run build`): writes the packaged worker's prebuilt workflow bundle into dist/. */
import { writeWorkflowBundle } from './workflow-bundle';

writeWorkflowBundle().then(
  ({ path, bytes }) => console.log(`workflow bundle: ${path} (${(bytes / 2 ** 20).toFixed(2)} MB)`),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
