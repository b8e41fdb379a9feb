/**
 * Activity 1: validate the reference locally (signature, structure, ≤ 10 MB, path confinement or
 * URL guard) and only then stream it to Rivya's Files API. Returns ids and URLs, never bytes.
 */
import { Context } from '@temporalio/activity';
import { toClientRequestId } from '../src/contract/models';
import type { UploadedReference, UploadReferenceInput } from '../workflows/common/activity-contract';
import { Readable } from 'node:stream';
import { readAndCheckReference, type ReferenceSettings } from './reference/check-reference';
import { callRivya } from './rivya-failure';
import { clientOfRun, clientsByAccount, type RivyaClientSource } from './run-client';

export type { ReferenceSettings };

export function makeUploadReference(source: RivyaClientSource, settings: ReferenceSettings) {
  const clients = clientsByAccount(source);
  return async function rivyaUploadReference(input: UploadReferenceInput): Promise<UploadedReference> {
    const { cancellationSignal } = Context.current();
    // First: an account this worker has no key for is refused before the reference is even read.
    const client = await clientOfRun(clients, input.account);
    // The same checks as the dry run (reference/check-reference.ts): the bytes inspected are the
    // bytes uploaded, whatever happens to the file afterwards.
    const { bytes, name, image } = await readAndCheckReference(input.reference, settings, cancellationSignal);
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
  };
}
