/**
 * The Temporal UI as an operator sees it: `rivya-sora2 dev` (the built CLI as a process: dev
 * server with its UI, simulator, worker, a first generation), a second generation held running,
 * then headless Chromium on the UI's list and detail pages. Each view is checked against what
 * Temporal itself says about the runs, and kept as a full-page screenshot in
 * artifacts/ui-screenshots/ (CI keeps that folder; docs/operator-ui/ holds a reviewed copy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type SearchAttributes } from '@temporalio/common';
import { summaryOf } from '../src/client-helpers';
import { sora2StatusQuery } from '../workflows/messages';
import { renderStatusDetails } from '../workflows/status-details';
import { findChromium, launchChromium, type Browser, type Page } from './helpers/chromium';
import { cleanEnv, runCli, startCli, type LongRunning } from './helpers/cli-process';
import { freePort } from './helpers/ports';
import { waitFor } from './helpers/simulator';
import { renderedMarkdown, screenshot, visibleText, waitForTexts, VIEW_TIMEOUT_MS, type PageGlobals } from './helpers/temporal-ui';

/** Where every run leaves its screenshots (gitignored; the CI artifact). */
const SCREENSHOTS = join(__dirname, '..', 'artifacts', 'ui-screenshots');
const FIRST_PROMPT = 'A paper boat drifting down a rain-soaked street, cinematic, golden hour';
const RUNNING_PROMPT = 'A lighthouse keeper feeding seagulls at dawn, 35mm film';
/** Our search attributes as list columns, as an operator adds them with the UI's column picker. */
const LIST_COLUMNS = ['Status', 'Workflow ID', 'RivyaModel', 'RivyaTaskStatus', 'RivyaTaskId', 'Start'];

interface Run {
  workflowId: string;
  runId: string;
  taskId: string;
  searchAttributes: SearchAttributes;
}

let chromium: string;
let dev: LongRunning;
let devCwd: string;
let uiUrl: string;
let connection: Connection;
let client: Client;
let browser: Browser;
let first: Run & { videoUrl: string };
let running: Run & { handle: WorkflowHandle };

function devOutput(pattern: RegExp, what: string): string {
  const match = pattern.exec(dev.output());
  if (!match?.[1]) throw new Error(`dev did not print ${what}:\n${dev.output()}`);
  return match[1];
}

/** One search attribute's single value, as the SDK's describe() returns it. */
function attribute(run: Run, name: string): string {
  const value = run.searchAttributes[name]?.[0];
  if (typeof value !== 'string')
    throw new Error(`${run.workflowId} has no ${name} search attribute: ${JSON.stringify(run.searchAttributes)}`);
  return value;
}

/** The activity summaries the run's history holds (what the UI's timeline and metadata list name). */
async function activitySummaries(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.activityTaskScheduledEventAttributes && event.userMetadata?.summary)
    .map((event) => defaultPayloadConverter.fromPayload<string>(event.userMetadata!.summary!));
}

/** A fresh tab on the UI, with our search attributes added to the workflow list's columns. */
async function openUi(path: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 900 });
  // The UI keeps the column choice in localStorage ('namespace-workflow-table-columns', per namespace).
  await page.evaluateOnNewDocument((columns: string[]) => {
    (globalThis as unknown as PageGlobals).localStorage.setItem(
      'namespace-workflow-table-columns',
      JSON.stringify({ default: columns.map((label) => ({ label })) }),
    );
  }, LIST_COLUMNS);
  // 'load', not network idle: the UI refetches a running workflow every few seconds.
  await page.goto(`${uiUrl}${path}`, { waitUntil: 'load', timeout: VIEW_TIMEOUT_MS });
  return page;
}

async function describeRun(handle: WorkflowHandle, taskId: string): Promise<Run> {
  const description = await handle.describe();
  return { workflowId: handle.workflowId, runId: description.runId, taskId, searchAttributes: description.searchAttributes };
}

beforeAll(async () => {
  // Before anything starts: no browser is the first and loudest failure.
  chromium = findChromium();
  rmSync(SCREENSHOTS, { recursive: true, force: true });

  devCwd = mkdtempSync(join(tmpdir(), 'rivya-operator-ui-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  dev = startCli(['dev', '--port', String(port), '--ui-port', String(uiPort), '--prompt', FIRST_PROMPT], cleanEnv(), devCwd);
  await waitFor(() => (dev.output().includes('Ctrl-C stops everything') ? true : undefined), 90_000, 200).catch((err) => {
    throw new Error(`${err}\n${dev.output()}`);
  });
  uiUrl = devOutput(/UI: (http:\/\/\S+)/, 'its UI address');
  const address = devOutput(/Temporal dev server: (\S+)/, 'the Temporal address');
  const simulatorUrl = devOutput(/Rivya simulator: (\S+)/, 'the simulator address');
  const adminToken = devOutput(/simulator admin token: (\S+)/, 'the simulator admin token');
  connection = await Connection.connect({ address });
  client = new Client({ connection });

  const firstHandle = client.workflow.getHandle(devOutput(/First generation: (\S+)/, 'the first generation'));
  first = {
    ...(await describeRun(firstHandle, devOutput(/ task (task_\w+),/, "the first generation's task"))),
    videoUrl: devOutput(/Video: (\S+)/, "the first generation's video"),
  };

  // The second generation stays running (the simulator now takes 5 minutes per task), so the UI
  // has current details to show: it asks a running workflow's worker for them.
  const configured = await fetch(`${simulatorUrl}/_simulator/config`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ timing: { queuedMs: [500, 500], processingMs: { default: [300_000, 300_000] } } }),
  });
  expect(configured.status).toBe(200);
  const runningId = `ui-running-${Date.now()}`;
  const generate = await runCli(
    ['generate', '--prompt', RUNNING_PROMPT, '--workflow-id', runningId, '--expected-duration', '300'],
    cleanEnv({ TEMPORAL_ADDRESS: address }),
    60_000,
  );
  expect(generate).toMatchObject({ code: 0 });
  const handle = client.workflow.getHandle(runningId);
  const status = await waitFor(
    async () => {
      const current = await handle.query(sora2StatusQuery);
      return current.phase === 'polling' && current.taskId ? current : undefined;
    },
    30_000,
    200,
  );
  running = { ...(await describeRun(handle, status.taskId!)), handle };

  browser = await launchChromium(chromium);
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  await dev?.stop('SIGINT');
  if (devCwd) rmSync(devCwd, { recursive: true, force: true });
});

test('the workflow list shows both generations, with RivyaModel, RivyaTaskStatus and RivyaTaskId as columns', async () => {
  const page = await openUi('/namespaces/default/workflows');
  await waitForTexts(page, [first.workflowId, running.workflowId, first.taskId, running.taskId], 'workflow list');
  await screenshot(page, SCREENSHOTS, '01-workflow-list');

  const headers = await page.$$eval('th[data-testid^="workflows-summary-table-header-cell-"]', (cells) =>
    cells.map((cell) => cell.getAttribute('data-testid')!.replace('workflows-summary-table-header-cell-', '')),
  );
  expect(headers).toEqual(expect.arrayContaining(['RivyaModel', 'RivyaTaskStatus', 'RivyaTaskId']));
  const rows = await page.$$eval('tr[data-testid="workflows-summary-configurable-table-row"]', (cells) =>
    cells.map((row) => row.innerText),
  );
  for (const run of [first, running]) {
    const row = rows.find((text) => text.includes(run.workflowId));
    expect(row).toBeDefined();
    for (const name of ['RivyaModel', 'RivyaTaskStatus', 'RivyaTaskId']) expect(row).toContain(attribute(run, name));
  }
  expect(attribute(first, 'RivyaTaskStatus')).toBe('succeeded');
  await page.close();
});

test('filtering the list by RivyaTaskStatus = "succeeded" finds the finished generation and not the running one', async () => {
  const query = encodeURIComponent('RivyaTaskStatus="succeeded"');
  const page = await openUi(`/namespaces/default/workflows?query=${query}`);
  await page.waitForFunction(
    (workflowId: string) => {
      const { document } = globalThis as unknown as PageGlobals;
      const rows = document.querySelectorAll('tr[data-testid="workflows-summary-configurable-table-row"]');
      return rows.length === 1 && rows[0]!.innerText.includes(workflowId);
    },
    { timeout: VIEW_TIMEOUT_MS },
    first.workflowId,
  );
  await screenshot(page, SCREENSHOTS, '02-workflow-list-filtered-by-status');
  const text = await visibleText(page);
  expect(text).toContain(first.workflowId);
  expect(text).not.toContain(running.workflowId);
  await page.close();
});

test("a running generation's detail shows its summary, static details, current details and activity summaries", async () => {
  const page = await openUi(`/namespaces/default/workflows/${running.workflowId}/${running.runId}/user-metadata`);
  const expectedActivities = await activitySummaries(running.handle);
  expect(expectedActivities.length).toBeGreaterThanOrEqual(2);
  await waitForTexts(page, ['Summary', 'Details', 'Current Details', ...expectedActivities], 'user metadata view');
  const [summary, details, currentDetails] = await renderedMarkdown(page, 3);
  await screenshot(page, SCREENSHOTS, '03-running-summary-and-current-details');

  expect(summary).toBe(summaryOf({ prompt: RUNNING_PROMPT }));
  expect(details).toContain('Model: sora-2');
  expect(details).toContain('Reference: none');
  // The same markdown the workflow sets as its current details, from the status query, minus markup.
  const expected = renderStatusDetails(await running.handle.query(sora2StatusQuery))
    .split('\n\n')
    .map((line) => line.replace(/\*\*|`/g, ''));
  for (const line of expected.slice(0, 3)) expect(currentDetails).toContain(line);
  expect(currentDetails).toContain(`Task: ${running.taskId}`);
  await page.close();
});

test("a generation's search attributes tab shows RivyaModel, RivyaTaskId and RivyaTaskStatus as Temporal holds them", async () => {
  const page = await openUi(`/namespaces/default/workflows/${running.workflowId}/${running.runId}/search-attributes`);
  const expected = ['RivyaModel', 'RivyaTaskStatus', 'RivyaTaskId'].map((name) => `"${name}": "${attribute(running, name)}"`);
  await waitForTexts(page, expected, 'search attributes view');
  await screenshot(page, SCREENSHOTS, '04-running-search-attributes');
  expect(attribute(running, 'RivyaTaskId')).toBe(running.taskId);
  await page.close();
});

test("a finished generation's history shows its input, its result and its activities' summaries", async () => {
  const page = await openUi(`/namespaces/default/workflows/${first.workflowId}/${first.runId}/history`);
  const activities = await activitySummaries(client.workflow.getHandle(first.workflowId));
  expect(activities).toHaveLength(3);
  await waitForTexts(page, [FIRST_PROMPT, first.videoUrl, ...activities], 'history view');
  const inputAndResult = await page.$eval(
    '[data-testid="input-and-result"]',
    (element) => (element as unknown as { innerText: string }).innerText,
  );
  expect(inputAndResult).toContain(`"prompt": "${FIRST_PROMPT}"`);
  expect(inputAndResult).toContain(`"videoUrl": "${first.videoUrl}"`);
  expect(inputAndResult).toContain(`"taskId": "${first.taskId}"`);
  await screenshot(page, SCREENSHOTS, '05-finished-input-and-result');
  await page.close();
});
