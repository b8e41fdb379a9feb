/** `POST /api/v1/generations` and `GET /api/v1/generations/{id}` (D3, D4, S2, S3). */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MAX_IDEMPOTENCY_KEY_CHARS, priceOf } from '../../src/contract/models';
import { validateGeneration } from '../generation-validation';
import { notFound, readJson, SimulatorHttpError, validationFailed } from '../http';
import type { Caller } from '../auth';
import type { SimTask, SimulatorStore } from '../store';

export interface CreateOutcome {
  task: SimTask;
  replayed: boolean;
}

export async function createGeneration(req: IncomingMessage, caller: Caller, store: SimulatorStore, now: number): Promise<CreateOutcome> {
  const header = req.headers['idempotency-key'];
  const idempotencyKey = Array.isArray(header) ? header[0] : header;
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_CHARS)) {
    throw validationFailed(`Idempotency-Key: 1-${MAX_IDEMPOTENCY_KEY_CHARS} characters`);
  }
  const { json } = await readJson(req);
  // S2: "same JSON body" compares the parsed document, so whitespace differences don't conflict.
  const bodyHash = createHash('sha256').update(JSON.stringify(json)).digest('hex');
  const scope = idempotencyKey ? store.idempotencyScope(caller.apiKey, idempotencyKey) : undefined;
  if (scope) {
    const record = store.lookupIdempotent(scope, now);
    if (record) {
      if (record.bodyHash !== bodyHash) {
        throw new SimulatorHttpError(409, 'idempotency_conflict', 'This Idempotency-Key was used with a different request body.');
      }
      return { task: store.tasks.get(record.taskId)!, replayed: true };
    }
  }
  const valid = validateGeneration(json, (url) => store.findOwnedFileByUrl(caller.account, url, now));
  // Billing is FIXED per model (D3): the same price table the batch budgets with.
  const credits = priceOf(valid.model);
  if (store.balance(caller.account) < credits) {
    // S3: 402, no task, nothing reserved.
    throw new SimulatorHttpError(402, 'insufficient_credits', `This generation needs ${credits} credits.`);
  }
  const task = store.createTask({
    account: caller.account,
    model: valid.model,
    prompt: valid.prompt,
    params: valid.params,
    credits,
    idempotencyScope: scope,
    idempotencyKey,
    bodyHash,
    clientRequestId: valid.clientRequestId,
    now,
  });
  return { task, replayed: false };
}

export function getGeneration(store: SimulatorStore, caller: Caller, taskId: string): SimTask {
  const task = store.tasks.get(taskId);
  if (!task || task.account !== caller.account) throw notFound(`No generation ${taskId}.`);
  task.statusReads += 1;
  return task;
}
