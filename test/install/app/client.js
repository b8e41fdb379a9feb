// A user's backend (test/install): starts generations through the packed tarball's client helpers
// and prints one JSON line per outcome. Every wait is bounded by DEADLINE_MS: a run still open then
// (e.g. its workflow tasks keep failing) is reported as stuck, with the last workflow task failure,
// and terminated. Environment: TEMPORAL_ADDRESS, TASK_QUEUE, RUN_PREFIX, DEADLINE_MS, MODE
// ('e2e': one success and one [sim:fail]; 'start': start one generation and return).
'use strict';
const { Client, Connection } = require('@temporalio/client');
const { executeSora2Generation, generationFailureOf, startSora2Generation } = require('rivya-sora2-temporal');

const emit = (event) => console.log(JSON.stringify(event));
const FAST_POLLING = { firstCheckAfterMs: 200, minIntervalMs: 200, maxIntervalMs: 1000, expectedDurationMs: 400 };
const deadlineMs = Number(process.env.DEADLINE_MS || 60000);
const taskQueue = process.env.TASK_QUEUE;
const prefix = process.env.RUN_PREFIX;

const input = (prompt, quotaId) => ({ prompt, polling: FAST_POLLING, compensations: [{ activity: 'releaseQuota', args: [quotaId] }] });

/** The last WorkflowTaskFailed of a run: why a stuck run is stuck. */
async function lastWorkflowTaskFailure(handle) {
  const history = await handle.fetchHistory();
  const failed = history.events.filter((event) => event.workflowTaskFailedEventAttributes);
  const last = failed[failed.length - 1];
  return last ? { count: failed.length, message: last.workflowTaskFailedEventAttributes.failure?.message ?? null } : null;
}

async function bounded(client, kind, workflowId, outcome) {
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
  try {
    const settled = await Promise.race([
      outcome.then(
        (value) => ({ value }),
        (error) => ({ error }),
      ),
      deadline,
    ]);
    if (settled === 'deadline') {
      const handle = client.workflow.getHandle(workflowId);
      const workflowTaskFailure = await lastWorkflowTaskFailure(handle).catch((err) => ({ error: String(err) }));
      emit({ event: 'stuck', kind, workflowId, deadlineMs, workflowTaskFailure });
      await handle.terminate('install matrix: stuck past its deadline').catch(() => undefined);
      return false;
    }
    if ('value' in settled) {
      emit({ event: 'result', kind, workflowId, ok: true, result: settled.value });
      return true;
    }
    const failure = generationFailureOf(settled.error);
    emit({ event: 'result', kind, workflowId, ok: false, failure: failure || null, error: failure ? undefined : String(settled.error) });
    return true;
  } finally {
    clearTimeout(timer);
  }
}

async function main() {
  emit({ event: 'starting', node: process.version, sdk: require('@temporalio/client/package.json').version });
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  try {
    if (process.env.MODE === 'start') {
      const workflowId = `${prefix}-started`;
      await startSora2Generation(client, input('[sim:succeed] an install-matrix start', `quota-${workflowId}`), { workflowId, taskQueue });
      emit({ event: 'started', workflowId });
      return 0;
    }
    const okId = `${prefix}-succeeds`;
    const failId = `${prefix}-fails`;
    const failing = await startSora2Generation(client, input('[sim:fail] an install-matrix failure', `quota-${failId}`), {
      workflowId: failId,
      taskQueue,
    });
    const results = await Promise.all([
      bounded(
        client,
        'success',
        okId,
        executeSora2Generation(client, input('[sim:succeed] an install-matrix success', `quota-${okId}`), { workflowId: okId, taskQueue }),
      ),
      bounded(client, 'failure', failId, failing.result()),
    ]);
    return results.every(Boolean) ? 0 : 1;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    emit({ event: 'error', name: err && err.name, message: String((err && err.stack) || err) });
    process.exit(1);
  },
);
