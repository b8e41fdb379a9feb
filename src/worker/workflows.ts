// The workflows module the packaged worker bundles. Your own worker does the same in its
// workflows file: re-export the plugin's workflows next to your own.
export { sora2Batch, sora2Budget, sora2Generation } from '../workflow';
