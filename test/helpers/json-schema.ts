/** Validates a value against one of the published schema/*.json files (ajv, strict): the errors, or [] when valid. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

export function validateAgainstSchema(name: string, value: unknown): string[] {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(join(__dirname, '..', '..', 'schema', `${name}.json`), 'utf8')) as object);
    compiled.set(name, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}
