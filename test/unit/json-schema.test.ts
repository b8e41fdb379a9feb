/**
 * The published contract (schema/*.json) against its zod sources and against real payloads:
 * a schema file that no longer matches what `npm run schema:update` would write fails here, and so
 * does a schema that refuses what the workflow actually takes in or returns (recorded histories).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { temporal } from '@temporalio/proto';
import { generateJsonSchemas, schemaFileText } from '../../tools/schema/generate';
import { checkSora2Input } from '../../workflows/generation/input';
import { checkSora2BatchInput } from '../../workflows/batch/input';
import { outcomeOf, skippedOutcome } from '../../workflows/batch/outcome';
import type { Sora2BatchResult } from '../../workflows/batch/state';
import type { BatchFailureDetails } from '../../workflows/batch/failures';
import type { GenerationFailureDetails } from '../../workflows/common/failures';

const root = join(__dirname, '..', '..');
const schemaDir = join(root, 'schema');
const HISTORIES = join(root, 'test', 'fixtures', 'histories');

// Strict (unknown keywords, ignored constraints fail compile); multi-type `type` arrays are plain JSON Schema.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();
function validator(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(join(schemaDir, `${name}.json`), 'utf8')) as object);
    validators.set(name, validate);
  }
  return validate;
}
function expectValid(name: string, value: unknown): void {
  const validate = validator(name);
  const ok = validate(value);
  expect(ok ? [] : validate.errors).toEqual([]);
}
function errorsOf(name: string, value: unknown): string[] {
  const validate = validator(name);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** The JSON payloads of a recorded history: the start input and the close event's result or failure details. */
function recorded(file: string): { input: unknown; result?: unknown; failure?: { type: string; details: unknown } } {
  const history = temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES, file)));
  const json = (payload: temporal.api.common.v1.IPayload | undefined): unknown => {
    expect(Buffer.from(payload?.metadata?.encoding ?? []).toString()).toBe('json/plain');
    return JSON.parse(Buffer.from(payload?.data ?? []).toString('utf8'));
  };
  const events = history.events ?? [];
  const input = json(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] ?? undefined);
  const last = events[events.length - 1];
  const completed = last?.workflowExecutionCompletedEventAttributes;
  if (completed) return { input, result: json(completed.result?.payloads?.[0] ?? undefined) };
  const failure = last?.workflowExecutionFailedEventAttributes?.failure;
  if (failure?.applicationFailureInfo)
    return {
      input,
      failure: {
        type: failure.applicationFailureInfo.type ?? '',
        details: json(failure.applicationFailureInfo.details?.payloads?.[0] ?? undefined),
      },
    };
  return { input };
}

describe('schema/ matches the zod sources', () => {
  const generated = generateJsonSchemas();

  test.each(Object.keys(generated))('%s.json is what `npm run schema:update` writes', (name) => {
    const onDisk = readFileSync(join(schemaDir, `${name}.json`), 'utf8');
    if (onDisk !== schemaFileText(generated[name]!))
      throw new Error(`schema/${name}.json drifted from its zod source: run \`npm run schema:update\` and commit schema/`);
  });

  test('no stale files: every schema/*.json is generated', () => {
    const files = readdirSync(schemaDir).filter((file) => file.endsWith('.json'));
    expect(files.sort()).toEqual(
      Object.keys(generated)
        .map((name) => `${name}.json`)
        .sort(),
    );
  });

  test('every schema compiles under a strict JSON Schema validator', () => {
    for (const name of Object.keys(generated)) expect(() => validator(name)).not.toThrow();
  });
});

describe('real payloads validate against the files', () => {
  test('the inputs and results recorded in test/fixtures/histories', () => {
    const files = readdirSync(HISTORIES).filter((file) => file.endsWith('.binpb'));
    let results = 0;
    for (const file of files) {
      const { input, result, failure } = recorded(file);
      expectValid('sora2-generation-input', input);
      // Results recorded before `completedBy` existed are an older contract: only the current one is published.
      if (result && (result as { completedBy?: unknown }).completedBy !== undefined) {
        expectValid('sora2-generation-result', result);
        results += 1;
      }
      if (failure) {
        expect(failure.type).toBe('GenerationFailed');
        expectValid('sora2-generation-failure-details', failure.details);
      }
    }
    expect(results).toBeGreaterThan(0);
  });

  test('a full generation input the workflow accepts is accepted by the schema', () => {
    const input = {
      prompt: 'A paper boat drifting down a rain-soaked street, cinematic',
      model: 'sora-2-pro',
      params: { n_frames: '15', aspect_ratio: 'portrait', size: 'high' },
      reference: { url: 'https://example.com/boat.png' },
      polling: { minIntervalMs: 5_000, maxIntervalMs: 30_000, style: 'timer', deadlineMs: 2 * 60 * 60_000 },
      completion: { webhooks: true, confirmWebhook: true },
      compensations: [{ activity: 'releaseQuota', args: ['q-1'], after: 'task-created' }],
      metadata: { customer: 'c-42', priority: 2, rush: true },
      save: { to: 's3://videos-bucket/rivya' },
      searchAttributes: false,
    };
    expect(checkSora2Input(input).ok).toBe(true);
    expectValid('sora2-generation-input', input);
  });

  test('the schema refuses what the workflow refuses: the 10,001-character prompt, unknown fields, a bad enum', () => {
    const long = { prompt: 'x'.repeat(10_001) };
    expect(checkSora2Input(long).ok).toBe(false);
    expect(errorsOf('sora2-generation-input', long)).toEqual(['/prompt must NOT have more than 10000 characters']);
    expect(errorsOf('sora2-generation-input', { prompt: 'a', colour: 'red' })).toEqual([' must NOT have additional properties']);
    expect(errorsOf('sora2-generation-input', { prompt: 'a', params: { n_frames: '12' } })).toEqual([
      '/params/n_frames must be equal to one of the allowed values',
    ]);
    expect(errorsOf('sora2-generation-input', { model: 'sora-2' })).toEqual([" must have required property 'prompt'"]);
  });

  test('failure details: ValidationFailed (with issues) and ResultNotSaved', () => {
    const checked = checkSora2Input({ prompt: ' ', params: { size: 'high' } });
    if (checked.ok) throw new Error('expected issues');
    const details: GenerationFailureDetails = {
      reason: 'invalid-input',
      workflowId: 'wf-1',
      phase: 'failed',
      taskId: null,
      remoteError: null,
      credits: null,
      compensations: [],
      polls: 0,
      issues: checked.issues,
    };
    expectValid('sora2-generation-failure-details', details);
    expectValid('sora2-result-not-saved-details', { workflowId: 'wf-1', taskId: 'task_1', videoUrl: 'https://cdn/x.mp4', to: 'videos' });
    expect(errorsOf('sora2-generation-failure-details', { ...details, reason: 'oops' })).toEqual([
      '/reason must be equal to one of the allowed values',
    ]);
  });

  test('a batch input (the 20-item fixture), a batch result and batch failure details', () => {
    const items = readFileSync(join(root, 'test', 'fixtures', 'batch-20.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const input = { items, defaults: { polling: { deadlineMs: 600_000 } }, concurrency: 5, onFailure: 'stop', save: { to: 'videos' } };
    expect(checkSora2BatchInput(input, 'batch-1').ok).toBe(true);
    expectValid('sora2-batch-input', input);

    const result: Sora2BatchResult = {
      batchId: 'batch-1',
      counts: { total: 3, queued: 0, running: 0, succeeded: 1, failed: 1, cancelled: 0, skipped: 1 },
      credits: { budget: 100, walletAtStart: 500, spent: 6 },
      stop: { reason: 'item-failed', key: 'clip-02', cancelRunning: false },
      continuedAsNew: 0,
      timings: { startedAt: '2026-12-07T10:00:00.000Z', completedAt: '2026-12-07T10:01:00.000Z', totalMs: 60_000 },
      items: [
        outcomeOf('clip-01', { kind: 'succeeded', taskId: 'task_1', credits: 6, location: 'videos/batch-1%2Fclip-01.mp4' }, 6),
        outcomeOf(
          'clip-02',
          { kind: 'failed', type: 'GenerationFailed', message: 'content policy', taskId: 'task_2', credits: 0, cancelled: false },
          6,
        ),
        skippedOutcome('clip-03', 'BatchStopped', 'the batch stopped after clip-02 failed'),
      ],
    };
    expectValid('sora2-batch-result', result);
    const details: BatchFailureDetails = { batchId: 'batch-1', required: 120, budget: 100, wallet: 500 };
    expectValid('sora2-batch-failure-details', details);
  });
});

test('the packed package ships schema/ (the files its "./schema/*" export points at)', () => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as Array<{ files: Array<{ path: string }> }>;
  const paths = packed[0]!.files.map((file) => file.path);
  for (const name of Object.keys(generateJsonSchemas())) expect(paths).toContain(`schema/${name}.json`);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  expect(manifest.exports['./schema/*']).toBe('./schema/*.json');
  // As a user imports it (the package resolving itself through its exports).
  const resolved = require.resolve('rivya-sora2-temporal/schema/sora2-generation-input', { paths: [root] });
  expect(resolved).toBe(join(schemaDir, 'sora2-generation-input.json'));
}, 60_000);
