/**
 * Activity 1: validate the reference locally (signature, structure, ≤ 10 MB, path confinement or
 * URL guard) and only then stream it to Rivya's Files API. Returns ids and URLs, never bytes.
 */
import { Context } from '@temporalio/activity';
import type { RivyaClient } from '../src/rivya';
import { toClientRequestId } from '../src/contract/models';
import type { UploadedReference, UploadReferenceInput } from '../workflows/common/activity-contract';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { downloadReference, type DownloadedReference } from './reference/download';
import { inspectImageBytes } from './reference/inspect-image';
import { readLocalReference } from './reference/local-reference';
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
      // The reference is read once into memory (≤ 10 MB + 1 byte): the bytes inspected are the
      // bytes uploaded, whatever happens to the file afterwards.
      let bytes: Buffer;
      let name: string | null;
      if ('path' in input.reference) {
        ({ bytes, name } = await readLocalReference(input.reference.path, settings.referenceDirectory));
      } else {
        downloaded = await downloadReference(input.reference.url, settings.urlPolicy ?? {}, cancellationSignal);
        bytes = await readFile(downloaded.path); // our own temp file, already capped by the download
        name = downloaded.name;
      }
      const label = 'path' in input.reference ? 'reference.path' : 'reference.url';
      const image = inspectImageBytes(bytes, label);
      const file = await callRivya(() =>
        client.uploadFile(
          {
            source: Readable.from([bytes]),
            kind: 'image',
            name: name ?? undefined,
            sizeBytes: image.sizeBytes,
            mimeType: image.mimeType,
            model: input.model,
            clientRequestId: toClientRequestId(input.workflowId),
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
