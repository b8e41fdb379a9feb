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
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type SearchAttributes } from '@temporalio/common';
import { summaryOf } from '../../src/client/helpers';
import { CODEC_KEY_FILE_ENV, ENCRYPTED_ENCODING, encryptionDataConverter, KEY_ID_METADATA_KEY, readCodecKeyRing } from '../../src/codec';
import { sora2StatusQuery } from '../../workflows/generation/messages';
import { renderStatusDetails } from '../../workflows/generation/status-details';
import { findChromium, launchChromium, type Browser, type Page } from '../helpers/chromium';
import { cleanEnv, runCli, startCli, type LongRunning } from '../helpers/cli-process';
import { freePort } from '../helpers/ports';
import { waitFor } from '../helpers/simulator';
import { renderedMarkdown, screenshot, visibleText, waitForTexts, VIEW_TIMEOUT_MS, type PageGlobals } from '../helpers/temporal-ui';

/** Where every run leaves its screenshots (gitignored; the CI artifact). */
const SCREENSHOTS = join(__dirname, '..', '..', 'artifacts', 'ui-screenshots');
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

/** One `rivya-sora2 dev` process and what it printed, with a client on its Temporal. */
interface DevStack {
  dev: LongRunning;
  cwd: string;
  uiUrl: string;
  address: string;
  connection: Connection;
  client: Client;
  /** The first capture of `pattern` in dev's output (it fails naming `what` when dev never printed it). */
  printed(pattern: RegExp, what: string): string;
  /** The first generation, which dev starts and waits for. */
  first: Run & { videoUrl: string };
}

let browser: Browser;

/** Starts dev on free ports in a scratch directory, and waits for its first generation to finish. */
async function startDevStack(prompt: string, extraArgs: string[] = []): Promise<DevStack> {
  const cwd = mkdtempSync(join(tmpdir(), 'rivya-operator-ui-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  const dev = startCli(['dev', '--port', String(port), '--ui-port', String(uiPort), '--prompt', prompt, ...extraArgs], cleanEnv(), cwd);
  const printed = (pattern: RegExp, what: string): string => {
    const match = pattern.exec(dev.output());
    if (!match?.[1]) throw new Error(`dev did not print ${what}:\n${dev.output()}`);
    return match[1];
  };
  try {
    await waitFor(() => (dev.output().includes('Ctrl-C stops everything') ? true : undefined), 90_000, 200).catch((err) => {
      throw new Error(`${err}\n${dev.output()}`);
    });
    const address = printed(/Temporal dev server: (\S+)/, 'the Temporal address');
    const connection = await Connection.connect({ address });
    // An encrypted run names its key file; this client then decodes as the CLI does with that file.
    const keyFile = /RIVYA_CODEC_KEY_FILE=(\S+)/.exec(dev.output())?.[1];
    const dataConverter = keyFile ? encryptionDataConverter(readCodecKeyRing({ [CODEC_KEY_FILE_ENV]: keyFile })) : undefined;
    const client = new Client({ connection, dataConverter });
    const firstHandle = client.workflow.getHandle(printed(/First generation: (\S+)/, 'the first generation'));
    const first = {
      ...(await describeRun(firstHandle, printed(/ task (task_\w+),/, "the first generation's task"))),
      videoUrl: printed(/Video: (\S+)/, "the first generation's video"),
    };
    return { dev, cwd, uiUrl: printed(/UI: (http:\/\/\S+)/, 'its UI address'), address, connection, client, printed, first };
  } catch (err) {
    await dev.stop('SIGINT');
    rmSync(cwd, { recursive: true, force: true });
    throw err;
  }
}

async function stopDevStack(stack: DevStack | undefined): Promise<void> {
  if (!stack) return;
  await stack.connection.close();
  await stack.dev.stop('SIGINT');
  rmSync(stack.cwd, { recursive: true, force: true });
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

interface OpenOptions {
  /** Requests to this origin fail in the browser, as if the codec server were not there. */
  unreachableOrigin?: string;
  /** The UI's own codec endpoint setting (what an operator types in its codec server dialog). */
  codecEndpoint?: string;
  /** Called before the page loads (e.g. to watch its requests from the first one). */
  beforeLoad?: (page: Page) => void;
}

/** A fresh tab on the UI, with our search attributes added to the workflow list's columns. */
async function openUi(uiUrl: string, path: string, options: OpenOptions = {}): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 900 });
  // The UI keeps these settings in localStorage: list columns per namespace, and the codec endpoint
  // an operator sets (which overrides the server's only with 'overrideRemoteCodecConfiguration').
  await page.evaluateOnNewDocument(
    (columns: string[], codecEndpoint: string | null) => {
      const { localStorage } = globalThis as unknown as PageGlobals;
      localStorage.setItem('namespace-workflow-table-columns', JSON.stringify({ default: columns.map((label) => ({ label })) }));
      if (codecEndpoint !== null) {
        localStorage.setItem('endpoint', JSON.stringify(codecEndpoint));
        localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
      }
    },
    LIST_COLUMNS,
    options.codecEndpoint ?? null,
  );
  if (options.unreachableOrigin) {
    const origin = options.unreachableOrigin;
    await page.setRequestInterception(true);
    page.on('request', (request) => void (new URL(request.url()).origin === origin ? request.abort() : request.continue()));
  }
  options.beforeLoad?.(page);
  // 'load', not network idle: the UI refetches a running workflow every few seconds.
  await page.goto(`${uiUrl}${path}`, { waitUntil: 'load', timeout: VIEW_TIMEOUT_MS });
  return page;
}

async function describeRun(handle: WorkflowHandle, taskId: string): Promise<Run> {
  const description = await handle.describe();
  return { workflowId: handle.workflowId, runId: description.runId, taskId, searchAttributes: description.searchAttributes };
}

/** The "Input and Results" panel's text on a history page. */
async function inputAndResult(page: Page): Promise<string> {
  return page.$eval('[data-testid="input-and-result"]', (element) => (element as unknown as { innerText: string }).innerText);
}

beforeAll(async () => {
  // Before anything starts: no browser is the first and loudest failure.
  const chromium = findChromium();
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  browser = await launchChromium(chromium);
});

afterAll(async () => {
  await browser?.close();
});

describe('a plain dev stack', () => {
  let stack: DevStack;
  let first: DevStack['first'];
  let running: Run & { handle: WorkflowHandle };
  const open = (path: string) => openUi(stack.uiUrl, path);

  beforeAll(async () => {
    stack = await startDevStack(FIRST_PROMPT);
    first = stack.first;
    // The second generation stays running (the simulator now takes 5 minutes per task), so the
    // detail pages show a generation mid-flight: phase polling, a pending safety-net check.
    const configured = await fetch(`${stack.printed(/Rivya simulator: (\S+)/, 'the simulator address')}/_simulator/config`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.printed(/simulator admin token: (\S+)/, 'the simulator admin token')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ timing: { queuedMs: [500, 500], processingMs: { default: [300_000, 300_000] } } }),
    });
    expect(configured.status).toBe(200);
    const runningId = `ui-running-${Date.now()}`;
    const generate = await runCli(
      ['generate', '--prompt', RUNNING_PROMPT, '--workflow-id', runningId, '--expected-duration', '300'],
      cleanEnv({ TEMPORAL_ADDRESS: stack.address }),
      60_000,
    );
    expect(generate).toMatchObject({ code: 0 });
    const handle = stack.client.workflow.getHandle(runningId);
    const status = await waitFor(
      async () => {
        const current = await handle.query(sora2StatusQuery);
        return current.phase === 'polling' && current.taskId ? current : undefined;
      },
      30_000,
      200,
    );
    running = { ...(await describeRun(handle, status.taskId!)), handle };
  }, 150_000);

  afterAll(() => stopDevStack(stack));

  test('the workflow list shows both generations, with RivyaModel, RivyaTaskStatus and RivyaTaskId as columns', async () => {
    const page = await open('/namespaces/default/workflows');
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
    const page = await open(`/namespaces/default/workflows?query=${query}`);
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
    const page = await open(`/namespaces/default/workflows/${running.workflowId}/${running.runId}/user-metadata`);
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

  test("a waiting generation's pending activity reads as a wait: the next check and the expectation, no stack trace", async () => {
    const page = await open(`/namespaces/default/workflows/${running.workflowId}/${running.runId}/pending-activities`);
    // Attempt 1 only scheduled the first check; its benign "failure" is the wait's own sentence.
    await waitForTexts(page, ['rivyaAwaitGeneration', 'waiting for the task: next status check in'], 'pending activities view');
    await screenshot(page, SCREENSHOTS, '09-waiting-pending-activity');
    const text = await visibleText(page);
    expect(text).toMatch(/expected to take ~300 s \(input\)/);
    // No stack frames and no attempt ceiling: the deadline bounds the wait.
    expect(text).not.toMatch(/\n\s*at [\w.<>]+ \(/);
    expect(text).not.toMatch(/\d+ of \d{3,}/);
    await page.close();
  });

  test("a generation's search attributes tab shows RivyaModel, RivyaTaskId and RivyaTaskStatus as Temporal holds them", async () => {
    const page = await open(`/namespaces/default/workflows/${running.workflowId}/${running.runId}/search-attributes`);
    const expected = ['RivyaModel', 'RivyaTaskStatus', 'RivyaTaskId'].map((name) => `"${name}": "${attribute(running, name)}"`);
    await waitForTexts(page, expected, 'search attributes view');
    await screenshot(page, SCREENSHOTS, '04-running-search-attributes');
    expect(attribute(running, 'RivyaTaskId')).toBe(running.taskId);
    await page.close();
  });

  test("a finished generation's history shows its input, its result and its activities' summaries", async () => {
    const page = await open(`/namespaces/default/workflows/${first.workflowId}/${first.runId}/history`);
    const activities = await activitySummaries(stack.client.workflow.getHandle(first.workflowId));
    expect(activities).toHaveLength(3);
    await waitForTexts(page, [FIRST_PROMPT, first.videoUrl, ...activities], 'history view');
    const panel = await inputAndResult(page);
    expect(panel).toContain(`"prompt": "${FIRST_PROMPT}"`);
    expect(panel).toContain(`"videoUrl": "${first.videoUrl}"`);
    expect(panel).toContain(`"taskId": "${first.taskId}"`);
    await screenshot(page, SCREENSHOTS, '05-finished-input-and-result');
    await page.close();
  });
});

describe('an encrypted dev stack (dev --encrypt: the UI decodes through the codec server)', () => {
  const PROMPT = 'A glass hummingbird sipping from a neon flower, macro lens';
  /** A word of the prompt that no encrypted payload, key id or UI label can contain by chance. */
  const TELLTALE = 'hummingbird';
  let stack: DevStack;
  let codecUrl: string;
  let historyPath: string;

  beforeAll(async () => {
    const codecPort = await freePort();
    stack = await startDevStack(PROMPT, ['--encrypt', '--codec-port', String(codecPort)]);
    codecUrl = stack.printed(/codec server: (http:\/\/\S+)/, 'its codec server');
    historyPath = `/namespaces/default/workflows/${stack.first.workflowId}/${stack.first.runId}/history`;
  }, 150_000);

  afterAll(() => stopDevStack(stack));

  /** Status codes of the page's POSTs to the codec server's /decode (CORS preflights left out). */
  function decodeAnswers(page: Page): number[] {
    const statuses: number[] = [];
    page.on('response', (response) => {
      const request = response.request();
      if (request.method() === 'POST' && response.url().startsWith(codecUrl) && response.url().endsWith('/decode')) {
        statuses.push(response.status());
      }
    });
    return statuses;
  }

  /** What the encrypted panel must show: the codec's encoding, as the UI prints metadata (base64). */
  const ENCRYPTED_MARKER = `"encoding": "${Buffer.from(ENCRYPTED_ENCODING).toString('base64')}"`;

  test('Temporal holds only the encrypted input (the UI has nothing readable without the codec server)', async () => {
    const history = await stack.client.workflow.getHandle(stack.first.workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.[METADATA_ENCODING_KEY] ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(input?.data ?? []).includes(TELLTALE)).toBe(false);
  });

  test("the history page shows the decrypted prompt and result, decoded by dev's codec server", async () => {
    let answers: number[] = [];
    const page = await openUi(stack.uiUrl, historyPath, { beforeLoad: (tab) => (answers = decodeAnswers(tab)) });
    await waitForTexts(page, [PROMPT, stack.first.videoUrl], 'history view through the codec server');
    await screenshot(page, SCREENSHOTS, '06-encrypted-input-decoded-by-codec-server');
    const panel = await inputAndResult(page);
    expect(panel).toContain(`"prompt": "${PROMPT}"`);
    expect(panel).toContain(`"videoUrl": "${stack.first.videoUrl}"`);
    expect(panel).not.toContain(ENCRYPTED_MARKER);
    // The plaintext came from the codec server (Temporal has none: see the test above).
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 200)).toBe(true);
    await page.close();
  });

  test('without the codec server the same page shows the encrypted payload, never the prompt', async () => {
    const page = await openUi(stack.uiUrl, historyPath, { unreachableOrigin: new URL(codecUrl).origin });
    await waitForTexts(page, [ENCRYPTED_MARKER, KEY_ID_METADATA_KEY], 'history view without the codec server');
    await screenshot(page, SCREENSHOTS, '07-encrypted-input-without-codec-server');
    expect(await inputAndResult(page)).toContain(ENCRYPTED_MARKER);
    expect(await visibleText(page)).not.toContain(TELLTALE);
    await page.close();
  });

  test("an operator whose codec endpoint lacks dev's token gets 401s and sees only the encrypted payload", async () => {
    let answers: number[] = [];
    const page = await openUi(stack.uiUrl, historyPath, { codecEndpoint: codecUrl, beforeLoad: (tab) => (answers = decodeAnswers(tab)) });
    await waitForTexts(page, [ENCRYPTED_MARKER], 'history view with a codec endpoint but no token');
    await page.waitForNetworkIdle({ idleTime: 300, timeout: VIEW_TIMEOUT_MS });
    await screenshot(page, SCREENSHOTS, '08-encrypted-input-codec-server-without-token');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((status) => status === 401)).toBe(true);
    expect(await visibleText(page)).not.toContain(TELLTALE);
    await page.close();
  });
});
