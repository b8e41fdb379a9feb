/**
 * The activities of the Sora 2 workflow, bound to one Rivya client and the worker's reference
 * settings. The API key lives in that client, inside the worker: never in workflow history.
 */
import type { RivyaClient } from '../src/rivya';
import type { Sora2Activities } from '../workflows/activity-contract';
import { makeGenerationActivities } from './generation';
import { makeUploadReference, type ReferenceSettings } from './upload-reference';

export type { ReferenceSettings } from './upload-reference';
export type { ReferenceUrlPolicy } from './reference/url-guard';

export function createSora2Activities(client: RivyaClient, reference: ReferenceSettings = {}): Sora2Activities {
  return {
    rivyaUploadReference: makeUploadReference(client, reference),
    ...makeGenerationActivities(client),
  };
}
