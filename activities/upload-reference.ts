/**
 * Activity 1: validate the reference locally (signature, structure, ≤ 10 MB, path confinement or
 * URL guard) and only then stream it to Rivya's Files API. Returns ids and URLs, never bytes.
 */
import { Context } from '@temporalio/activity';
import type { RivyaClient } from '../src/rivya';
import type { UploadedReference, UploadReferenceInput } from '../workflows/activity-contract';
import { downloadReference, type DownloadedReference } from './reference/download';
import { inspectImageFile } from './reference/inspect-image';
import { resolveLocalReference } from './reference/local-reference';
import type { ReferenceUrlPolicy } from './reference/url-guard';
import { callRivya } from './rivya-failure';

export interface ReferenceSettings {
  /** Local references are read only from inside this directory. Unset: local paths are refused. */
  referenceDirectory?: string;
  urlPolicy?: ReferenceUrlPolicy;
}

export function makeUploadReference(client: RivyaClient, settings: ReferenceSettings) {
  return async function rivyaUploadReference(input: UploadReferenceInput): Promise<UploadedReference> {
    const { cancellationSignal } = Context.current();
    let downloaded: DownloadedReference | undefined;
    try {
      let path: string;
      let name: string | null;
      if ('path' in input.reference) {
        path = await resolveLocalReference(input.reference.path, settings.referenceDirectory);
        name = path.split(/[\\/]/).pop() ?? null;
      } else {
        downloaded = await downloadReference(input.reference.url, settings.urlPolicy ?? {}, cancellationSignal);
        path = downloaded.path;
        name = downloaded.name;
      }
      const label = 'path' in input.reference ? 'reference.path' : 'reference.url';
      const image = await inspectImageFile(path, label);
      const file = await callRivya(() =>
        client.uploadFile(
          {
            source: path,
            kind: 'image',
            name: name ?? undefined,
            sizeBytes: image.sizeBytes,
            mimeType: image.mimeType,
            model: input.model,
            clientRequestId: input.workflowId.slice(0, 128),
          },
          { signal: cancellationSignal },
        ),
      );
      Context.current().log.info('reference uploaded', { fileId: file.id, sizeBytes: file.size_bytes, mimeType: file.mime_type });
      return {
        fileId: file.id,
        url: file.url,
        mimeType: file.mime_type,
        sizeBytes: file.size_bytes,
        name: file.name ?? null,
        expiresAt: file.expires_at ?? null,
      };
    } finally {
      await downloaded?.dispose();
    }
  };
}
