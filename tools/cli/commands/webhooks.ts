/**
 * `rivya-sora2 webhooks …`: manage Rivya webhook endpoints (D8) with the worker's RIVYA_API_KEY and
 * RIVYA_BASE_URL (the key needs the `webhooks:manage` scope).
 *
 * Secret hygiene: a signing secret is printed exactly once — by `register` and by `rotate-secret`,
 * the two answers that carry it — on stdout, and never anywhere else (no stderr, no error message,
 * no table). `list` and `show` print Rivya's `secret_preview` only; the client's endpoint schema
 * drops a `signing_secret` from any other answer. The API key is never printed.
 *
 * Exit codes, as the other commands: 0 ok; 1 Rivya unavailable or refusing the key; 2 usage,
 * configuration or input the caller must fix (a rejected URL, an unknown endpoint id).
 */
import { WEBHOOK_SECRETS_ENV } from '../../../src/webhooks/secrets';
import type { Command, CommanderError } from 'commander';
import { RivyaApiError, RivyaClient, RivyaError, RivyaWebhookUrlRejectedError } from '../../../src/rivya';
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEventListItem,
} from '../../../src/rivya/webhook-schemas';
import { readRivyaSettings, Sora2ConfigError } from '../../../src/worker/settings';
import { ExitCodes } from '../exit-codes';
import { printable, printableJson } from '../printable';

/** Where the receiver reads its signing secrets from (space-separated: new and old during a rotation). */
/** Where the receiver reads the signing secrets (one name, owned by the receiver). */
export const WEBHOOK_SECRETS_VARIABLE = WEBHOOK_SECRETS_ENV;

/** The CLI's usage mistake, said before anything is sent: exit 2. */
class WebhooksUsageError extends Sora2ConfigError {
  override readonly name = 'WebhooksUsageError';
}

/** A client from the same RIVYA_* variables (and rules) as the worker. */
function clientFromEnv(): RivyaClient {
  const settings = readRivyaSettings(process.env);
  return new RivyaClient({
    apiKey: settings.RIVYA_API_KEY,
    baseUrl: settings.RIVYA_BASE_URL,
    timeoutMs: settings.RIVYA_REQUEST_TIMEOUT_MS,
    userAgent: 'rivya-sora2-cli',
  });
}

/** The failure in words and its exit code. Every text from Rivya goes through `printable`. */
export function explainFailure(err: unknown, endpointId?: string): { lines: string[]; code: number } {
  // A usage or configuration mistake (WebhooksUsageError, a bad RIVYA_* setting): exit 2.
  if (err instanceof Sora2ConfigError) {
    return { lines: [`error: ${printable(err.message)}`], code: ExitCodes.invalid };
  }
  if (err instanceof RivyaWebhookUrlRejectedError) {
    // The client's message is `Rivya <code> (HTTP <status>): <Rivya's words>`; the words are what matter here.
    const reason = err.message.replace(/^Rivya \S+ \(HTTP \d+\): /, '');
    const request = err.requestId ? `, ${printable(err.requestId)}` : '';
    return {
      lines: [
        `error: Rivya rejected the webhook URL: ${printable(reason)} (webhook_url_rejected${request})`,
        `  ${RivyaWebhookUrlRejectedError.RULES}.`,
        '  For a receiver on this machine, expose it through a public https tunnel or reverse proxy and register that URL.',
      ],
      code: ExitCodes.invalid,
    };
  }
  if (err instanceof RivyaApiError) {
    if (err.code === 'not_found' && endpointId !== undefined) {
      return {
        lines: [`error: no webhook endpoint ${printable(endpointId)} on this account (unknown id, or another account's endpoint)`],
        code: ExitCodes.invalid,
      };
    }
    if (err.code === 'validation_failed' || err.code === 'not_found') {
      return { lines: [`error: ${printable(err.message)}`], code: ExitCodes.invalid };
    }
    if (err.code === 'api_scope_denied') {
      return {
        lines: [`error: ${printable(err.message)}`, '  RIVYA_API_KEY needs the webhooks:manage scope to manage webhook endpoints.'],
        code: ExitCodes.failed,
      };
    }
    if (err.status === 401) {
      return { lines: [`error: ${printable(err.message)}`, '  check RIVYA_API_KEY (and RIVYA_BASE_URL).'], code: ExitCodes.failed };
    }
  }
  if (err instanceof RivyaError) return { lines: [`error: ${printable(err.message)}`], code: ExitCodes.failed };
  return { lines: [`error: ${printable(err instanceof Error ? err.message : err)}`], code: ExitCodes.failed };
}

/** Runs one subcommand: its lines to stdout, a failure explained on stderr, the exit code set. */
async function run(endpointId: string | undefined, body: (client: RivyaClient) => Promise<void>): Promise<void> {
  try {
    await body(clientFromEnv());
    process.exitCode = ExitCodes.ok;
  } catch (err) {
    const { lines, code } = explainFailure(err, endpointId);
    for (const line of lines) console.error(line);
    process.exitCode = code;
  }
}

/** `--events a,b` (commas or spaces), each non-empty; unknown types are Rivya's to judge (D1 lets it add some). */
export function parseEventTypes(value: string): string[] {
  const types = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  if (types.length === 0) throw new WebhooksUsageError(`--events needs at least one event type (${WEBHOOK_EVENT_TYPES.join(', ')})`);
  return types;
}

/** `--limit n`: a positive whole number, or not sent at all. */
export function parseLimit(value: string | undefined): { limit?: number } {
  if (value === undefined) return {};
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new WebhooksUsageError(`--limit must be a positive whole number, got ${JSON.stringify(printable(value))}`);
  }
  return { limit: Number(value) };
}

function parseUrl(value: string): string {
  try {
    new URL(value);
  } catch {
    throw new WebhooksUsageError(`--url must be a URL (https://…), got ${JSON.stringify(printable(value))}`);
  }
  return value;
}

const dash = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === '' ? '-' : printable(value);

/** Columns padded to their widest cell; every cell is already printable. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function endpointRows(endpoints: WebhookEndpoint[]): string[] {
  return table(
    ['ID', 'STATUS', 'EVENTS', 'FAILURES', 'LAST SUCCESS', 'LAST FAILURE', 'SECRET', 'URL'],
    endpoints.map((e) => [
      dash(e.id),
      dash(e.status),
      dash(e.event_types.join(',')),
      dash(e.failure_count),
      dash(e.last_success_at),
      dash(e.last_failure_at),
      dash(e.secret_preview),
      dash(e.url),
    ]),
  );
}

/** One endpoint as lines: everything Rivya shows of it except a secret (only the preview). */
export function endpointLines(e: WebhookEndpoint): string[] {
  return [
    `webhook endpoint ${printable(e.id)} (${printable(e.status)})`,
    `  name:           ${dash(e.name)}`,
    `  url:            ${dash(e.url)}`,
    `  events:         ${dash(e.event_types.join(', '))}`,
    `  secret preview: ${dash(e.secret_preview)}`,
    `  failures:       ${dash(e.failure_count)}`,
    `  last success:   ${dash(e.last_success_at)}`,
    `  last failure:   ${dash(e.last_failure_at)}`,
    ...(e.disabled_at ? [`  disabled at:    ${printable(e.disabled_at)}`] : []),
    ...(e.revoked_at ? [`  revoked at:     ${printable(e.revoked_at)}`] : []),
  ];
}

function deliveryStatus(d: WebhookDelivery): string {
  const parts = [d.status ?? '-'];
  if (d.response_status !== null) parts.push(`HTTP ${d.response_status}`);
  if (d.error) parts.push(d.error);
  if (d.next_attempt_at) parts.push(`next attempt ${d.next_attempt_at}`);
  return printable(parts.join(', '));
}

export function deliveryRows(deliveries: WebhookDelivery[]): string[] {
  return table(
    ['TIME', 'EVENT', 'ATTEMPT', 'STATUS', 'EVENT ID'],
    deliveries.map((d) => [dash(d.created_at), dash(d.event_type), dash(d.attempt), deliveryStatus(d), dash(d.event_id)]),
  );
}

/** The one place a signing secret is ever printed: after register and rotate-secret, on stdout. */
function secretLines(secret: string): string[] {
  return ['  signing secret (shown only now; Rivya will not show it again):', '', `    ${printable(secret)}`, ''];
}

export function registeredLines(endpoint: WebhookEndpointWithSecret): string[] {
  return [
    `registered webhook endpoint ${printable(endpoint.id)} (${printable(endpoint.status)})`,
    `  url:    ${printable(endpoint.url)}`,
    `  events: ${dash(endpoint.event_types.join(', '))}`,
    ...secretLines(endpoint.signing_secret),
    `  Put it in ${WEBHOOK_SECRETS_VARIABLE} where the webhook receiver runs (a secret store, not code or logs);`,
    '  the receiver refuses deliveries whose signature no secret there verifies.',
    `  Lost it? rivya-sora2 webhooks rotate-secret ${printable(endpoint.id)}`,
  ];
}

export function rotatedLines(endpoint: WebhookEndpointWithSecret): string[] {
  const id = printable(endpoint.id);
  return [
    `rotated the signing secret of webhook endpoint ${id}`,
    ...secretLines(endpoint.signing_secret),
    '  Rotation: deliveries signed with the old secret before now (in flight, or retries that keep their',
    '  first signature; retries can go on for hours) may still arrive. Keep BOTH secrets on the receiver:',
    `    ${WEBHOOK_SECRETS_VARIABLE}="<new secret> <old secret>"`,
    '  and drop the old one once no delivery from before the rotation is pending:',
    `    rivya-sora2 webhooks deliveries ${id}`,
  ];
}

function eventRows(events: WebhookEventListItem[]): string[] {
  if (events.every((e) => e.id === null && e.created_at === null)) {
    return table(
      ['TYPE', 'DESCRIPTION'],
      events.map((e) => [dash(e.type), dash(e.description)]),
    );
  }
  return table(
    ['TIME', 'TYPE', 'ID'],
    events.map((e) => [dash(e.created_at), dash(e.type), dash(e.id)]),
  );
}

const print = (lines: string[]) => {
  for (const line of lines) console.log(line);
};

/** Commander's usage errors (unknown command or option, missing argument) exit 2, help 0. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? ExitCodes.ok : ExitCodes.invalid);
}

/**
 * Adds `webhooks` and its subcommands; returns the group so more subcommands (e.g. `serve`) can
 * be added from elsewhere (they inherit its usage exit code 2).
 */
export function registerWebhooks(program: Command): Command {
  const webhooks = program
    .command('webhooks')
    .description('manage Rivya webhook endpoints: register, list, rotate secrets, deliveries, test events (RIVYA_API_KEY, RIVYA_BASE_URL)')
    .exitOverride(usageExit)
    .showHelpAfterError('(rivya-sora2 webhooks --help lists the commands)');

  webhooks
    .command('register')
    .description(`register an endpoint; prints its signing secret once (for ${WEBHOOK_SECRETS_VARIABLE})`)
    .requiredOption('--url <url>', 'the receiver, reachable from Rivya: public https, no credentials or fragment')
    .option('--name <name>', 'a label for people (default: rivya-sora2 and the URL host)')
    .option('--events <types>', 'comma-separated event types', WEBHOOK_EVENT_TYPES.join(','))
    .option('--json', 'print the answer as JSON (it holds the signing secret, once)')
    .action(async (options: { url: string; name?: string; events: string; json?: boolean }) => {
      await run(undefined, async (client) => {
        const url = parseUrl(options.url);
        const eventTypes = parseEventTypes(options.events);
        const name = options.name ?? `rivya-sora2 ${new URL(url).host}`;
        const endpoint = await client.webhooks.create({ name, url, event_types: eventTypes });
        print(options.json ? [printableJson(endpoint)] : registeredLines(endpoint));
      });
    });

  webhooks
    .command('list')
    .description("this account's endpoints, revoked ones included (secret previews only, never a secret)")
    .option('--limit <n>', 'at most this many, newest first')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean; limit?: string }) => {
      await run(undefined, async (client) => {
        const { data } = await client.webhooks.list(parseLimit(options.limit));
        if (options.json) print([printableJson(data)]);
        else print(data.length ? endpointRows(data) : ['no webhook endpoints (rivya-sora2 webhooks register --url https://…)']);
      });
    });

  webhooks
    .command('show <endpointId>')
    .description('one endpoint: status, events, failures, last success/failure, secret preview')
    .option('--json', 'print as JSON')
    .action(async (endpointId: string, options: { json?: boolean }) => {
      await run(endpointId, async (client) => {
        const endpoint = await client.webhooks.retrieve(endpointId);
        print(options.json ? [printableJson(endpoint)] : endpointLines(endpoint));
      });
    });

  webhooks
    .command('rotate-secret <endpointId>')
    .description('a new signing secret, printed once; keep the old one too until its deliveries are done')
    .option('--json', 'print the answer as JSON (it holds the new signing secret, once)')
    .action(async (endpointId: string, options: { json?: boolean }) => {
      await run(endpointId, async (client) => {
        const endpoint = await client.webhooks.rotateSecret(endpointId);
        print(options.json ? [printableJson(endpoint)] : rotatedLines(endpoint));
      });
    });

  webhooks
    .command('test <endpointId>')
    .description('ask Rivya to send a signed test event to the endpoint')
    .action(async (endpointId: string) => {
      await run(endpointId, async (client) => {
        const result = await client.webhooks.test(endpointId);
        const event = result.event_id ? ` ${printable(result.event_id)}` : '';
        const lines = [`sent a test event${event} to ${printable(endpointId)}`];
        if (result.delivery) lines.push(`  delivery: ${deliveryStatus(result.delivery)}`);
        else if (result.status) lines.push(`  status: ${printable(result.status)}`);
        lines.push(`  follow it: rivya-sora2 webhooks deliveries ${printable(endpointId)}`);
        print(lines);
      });
    });

  webhooks
    .command('deliveries <endpointId>')
    .description("the endpoint's recent delivery attempts, newest first: time, event, attempt, status")
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print as JSON')
    .action(async (endpointId: string, options: { json?: boolean; limit?: string }) => {
      await run(endpointId, async (client) => {
        const { data } = await client.webhooks.deliveries(endpointId, parseLimit(options.limit));
        if (options.json) print([printableJson(data)]);
        else print(data.length ? deliveryRows(data) : [`no deliveries to ${printable(endpointId)} yet`]);
      });
    });

  for (const [command, status, said] of [
    ['disable', 'disabled', 'no deliveries until enabled'],
    ['enable', 'active', 'deliveries resume'],
  ] as const) {
    webhooks
      .command(`${command} <endpointId>`)
      .description(`${command} an endpoint (${said})`)
      .action(async (endpointId: string) => {
        await run(endpointId, async (client) => {
          const endpoint = await client.webhooks.update(endpointId, { status });
          print([`webhook endpoint ${printable(endpoint.id)} is now ${printable(endpoint.status)} (${said})`]);
        });
      });
  }

  webhooks
    .command('delete <endpointId>')
    .description('delete (revoke) an endpoint: no more deliveries, its secret signs nothing more')
    .action(async (endpointId: string) => {
      await run(endpointId, async (client) => {
        const deleted = await client.webhooks.delete(endpointId);
        const status = deleted.endpoint ? ` (now ${printable(deleted.endpoint.status)})` : '';
        print([
          `deleted webhook endpoint ${printable(deleted.id)}${status}`,
          `  its secret can go from ${WEBHOOK_SECRETS_VARIABLE} once the receiver has handled the deliveries already made.`,
        ]);
      });
    });

  webhooks
    .command('events')
    .description("this account's recent webhook events, newest first (GET /api/v1/webhook-events)")
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean; limit?: string }) => {
      await run(undefined, async (client) => {
        const { data } = await client.webhookEvents.list(parseLimit(options.limit));
        if (options.json) print([printableJson(data)]);
        else print(data.length ? eventRows(data) : ['no webhook events']);
      });
    });

  return webhooks;
}
