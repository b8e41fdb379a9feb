/**
 * The published contract as JSON Schema: the generation's and the batch's inputs, results and
 * failure details, generated from the zod schemas the workflows themselves validate with (one
 * source). `npm run schema:update` writes them to `schema/`; a unit test regenerates them in memory
 * and fails when a file and its zod source drift, so a contract change is a reviewed diff.
 *
 * Inputs are described as callers write them (defaults optional, `.strict()` objects closed);
 * outputs are open (`additionalProperties: true`): a later minor version may add a field.
 * What JSON Schema cannot say (a param valid for one model only, `save.to`'s syntax, byte budgets
 * of metadata and the whole input) stays with the workflow, which answers ValidationFailed with
 * every issue before anything is paid for.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodTypeAny } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { batchFailureDetailsSchema, sora2BatchResultSchema } from '../../workflows/batch/result-schema';
import { sora2BatchInputSchema } from '../../workflows/batch/input';
import { BatchFailureTypes } from '../../workflows/batch/failures';
import { FailureTypes } from '../../workflows/common/failures';
import { sora2GenerationInputSchema } from '../../workflows/generation/input';
import {
  generationFailureDetailsSchema,
  resultNotSavedDetailsSchema,
  sora2GenerationResultSchema,
} from '../../workflows/generation/result-schema';

/**
 * zodToJsonSchema, its generics erased: inferring them for the input schemas' deep types exceeds
 * the compiler's instantiation depth (TS2589), and only the returned JSON matters here.
 */
const toJsonSchema = zodToJsonSchema as unknown as (schema: ZodTypeAny, options: Record<string, unknown>) => unknown;

export type JsonSchemaFiles = Record<string, Record<string, unknown>>;

interface Published {
  /** The file name under schema/, without `.json` (also the package subpath `rivya-sora2-temporal/schema/<name>`). */
  name: string;
  title: string;
  description: string;
  source: ZodTypeAny;
}

const INPUT_RULES_NOT_IN_SCHEMA =
  'Checked by the workflow, not expressible here: a param must belong to the chosen model (size is sora-2-pro only), ' +
  'save.to must be a relative directory or s3://bucket/prefix, the prompt must not be blank, ' +
  'metadata ≤ 8 KB and the whole input ≤ 64 KB of JSON. A violation fails the run ValidationFailed with every issue in details[0].issues.';

const generationFailureTypes = Object.values(FailureTypes).filter((type) => type !== FailureTypes.ResultNotSaved);

function published(): Published[] {
  return [
    {
      name: 'sora2-generation-input',
      title: 'sora2Generation input',
      description: `The single argument of the sora2Generation workflow (task queue rivya-sora2 by default). ${INPUT_RULES_NOT_IN_SCHEMA}`,
      source: sora2GenerationInputSchema,
    },
    {
      name: 'sora2-generation-result',
      title: 'sora2Generation result',
      description: 'What a succeeded sora2Generation returns. Open to fields added in later minor versions.',
      source: sora2GenerationResultSchema,
    },
    {
      name: 'sora2-generation-failure-details',
      title: 'sora2Generation failure details',
      description: `details[0] of the ApplicationFailure a failed sora2Generation ends with, for the types ${generationFailureTypes.join(', ')}.`,
      source: generationFailureDetailsSchema,
    },
    {
      name: 'sora2-result-not-saved-details',
      title: 'sora2Generation ResultNotSaved details',
      description: `details[0] of the ${FailureTypes.ResultNotSaved} ApplicationFailure: the task succeeded and was paid for, but save.to could not be written.`,
      source: resultNotSavedDetailsSchema,
    },
    {
      name: 'sora2-batch-input',
      title: 'sora2Batch input',
      description:
        'The first argument of the sora2Batch workflow (its workflow id is the batch id). Each item is a sora2-generation-input ' +
        'merged over `defaults`, and checked by the same rules.',
      source: sora2BatchInputSchema,
    },
    {
      name: 'sora2-batch-result',
      title: 'sora2Batch result',
      description: 'What a finished sora2Batch returns. Open to fields added in later minor versions.',
      source: sora2BatchResultSchema,
    },
    {
      name: 'sora2-batch-failure-details',
      title: 'sora2Batch failure details',
      description: `details[0] of the ApplicationFailure a sora2Batch ends with, for the types ${Object.values(BatchFailureTypes).join(', ')}.`,
      source: batchFailureDetailsSchema,
    },
  ];
}

/** Every schema file by name, as generated from the zod sources now. Pure: the drift test calls it. */
export function generateJsonSchemas(): JsonSchemaFiles {
  const files: JsonSchemaFiles = {};
  for (const { name, title, description, source } of published()) {
    const body = toJsonSchema(source, {
      target: 'jsonSchema7',
      $refStrategy: 'none',
      // Inputs as callers write them: a transform's input side, defaults optional.
      effectStrategy: 'input',
      pipeStrategy: 'input',
      // zod's default objects (unknown keys stripped) are open here; only `.strict()` ones are closed.
      removeAdditionalStrategy: 'strict',
    }) as Record<string, unknown>;
    const { $schema, ...rest } = body;
    files[name] = { $schema, $id: `rivya-sora2-temporal/schema/${name}.json`, title, ...rest, description };
  }
  return files;
}

/** The file's text: two-space JSON and a final newline (what the drift test compares). */
export function schemaFileText(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Writes schema/*.json and removes files no longer generated. */
export function writeJsonSchemas(dir: string): string[] {
  const files = generateJsonSchemas();
  mkdirSync(dir, { recursive: true });
  for (const stale of readdirSync(dir).filter((file) => file.endsWith('.json') && !(file.slice(0, -5) in files))) rmSync(join(dir, stale));
  for (const [name, schema] of Object.entries(files)) writeFileSync(join(dir, `${name}.json`), schemaFileText(schema));
  return Object.keys(files).map((name) => `${name}.json`);
}

if (require.main === module) {
  const dir = join(__dirname, '..', '..', '..', 'schema');
  const written = writeJsonSchemas(dir);
  process.stdout.write(`wrote ${written.length} JSON Schema files to schema/: ${written.join(', ')}\n`);
}
