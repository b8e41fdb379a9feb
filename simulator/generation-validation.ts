/**
 * Server-side validation of `POST /api/v1/generations` (D3, D5, S8): every problem becomes a
 * 400 validation_failed whose message names the field.
 */
import { isSoraModel, MAX_CLIENT_REQUEST_ID_CHARS, MAX_PROMPT_CHARS, MODEL_SPECS, type SoraModel } from '../src/contract/models';
import { validationFailed } from './http';
import type { SimFile } from './store';

export interface ValidGeneration {
  model: SoraModel;
  prompt: string;
  params: Record<string, unknown>;
  clientRequestId: string | undefined;
  referenceFiles: SimFile[];
}

export function validateGeneration(body: unknown, findOwnedFile: (url: string) => SimFile | undefined): ValidGeneration {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationFailed('body: must be a JSON object');
  const input = body as Record<string, unknown>;
  if ('files' in input) throw validationFailed('files: not accepted at the top level; use params.referenceMediaItems');
  if (!isSoraModel(input.model)) throw validationFailed(`model: must be one of ${Object.keys(MODEL_SPECS).join(', ')}`);
  const spec = MODEL_SPECS[input.model];
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') throw validationFailed('prompt: required');
  if (input.prompt.length > MAX_PROMPT_CHARS) throw validationFailed(`prompt: longer than ${MAX_PROMPT_CHARS} characters`);
  if (input.client_request_id !== undefined) {
    if (typeof input.client_request_id !== 'string' || input.client_request_id.length > MAX_CLIENT_REQUEST_ID_CHARS) {
      throw validationFailed(`client_request_id: must be a string of at most ${MAX_CLIENT_REQUEST_ID_CHARS} characters`);
    }
  }
  const params = input.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw validationFailed('params: must be an object');
  const referenceFiles: SimFile[] = [];
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (key === 'referenceMediaItems') {
      referenceFiles.push(...validateReferences(value, spec.reference, findOwnedFile));
      continue;
    }
    const select = spec.selectParams[key];
    if (!select) throw validationFailed(`params.${key}: unknown parameter for ${spec.id}`);
    if (!select.options.includes(String(value))) {
      throw validationFailed(`params.${key}: must be one of ${select.options.map((o) => `"${o}"`).join(', ')}`);
    }
  }
  return {
    model: spec.id,
    prompt: input.prompt,
    params: params as Record<string, unknown>,
    clientRequestId: input.client_request_id as string | undefined,
    referenceFiles,
  };
}

function validateReferences(
  value: unknown,
  rule: (typeof MODEL_SPECS)[SoraModel]['reference'],
  findOwnedFile: (url: string) => SimFile | undefined,
): SimFile[] {
  if (!Array.isArray(value)) throw validationFailed('params.referenceMediaItems: must be an array');
  if (value.length > rule.maxItems) throw validationFailed(`params.referenceMediaItems: at most ${rule.maxItems} item(s)`);
  return value.map((item, index) => {
    const field = `params.referenceMediaItems[${index}]`;
    if (typeof item !== 'object' || item === null) throw validationFailed(`${field}: must be an object`);
    const { url, kind } = item as { url?: unknown; kind?: unknown };
    if (kind !== rule.kind) throw validationFailed(`${field}.kind: must be "${rule.kind}"`);
    if (typeof url !== 'string') throw validationFailed(`${field}.url: required`);
    const file = findOwnedFile(url);
    if (!file) throw validationFailed(`${field}.url: not a file uploaded by this account`);
    if (file.kind !== rule.kind || !rule.mimeTypes.includes(file.mimeType)) {
      throw validationFailed(`${field}.url: the file must be ${rule.mimeTypes.join(', ')}`);
    }
    if (file.sizeBytes > rule.maxBytes) throw validationFailed(`${field}.url: the file is larger than ${rule.maxBytes} bytes`);
    return file;
  });
}
