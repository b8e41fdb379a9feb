/**
 * Replaying recorded workflow histories against workflow code: the check that an upgrade of this
 * package or of the Temporal SDK leaves running workflows able to continue. A worker replays a
 * workflow's history every time it rebuilds the workflow (after a restart, an eviction, a query on
 * a closed run); if the new code issues other commands than the history recorded, the workflow
 * task fails with a non-determinism error and the workflow stops making progress.
 *
 * Histories come as files — the JSON of `temporal workflow show --output json`, of the Temporal
 * UI's download and of `historyToJSON(await handle.fetchHistory())`, or the wire encoding (.binpb,
 * as this project's test/fixtures/histories) — or straight from a server (`fetchHistory`).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { prebuiltWorkflowBundle } from './workflow-bundle';

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

/** The workflow types of this package's workflows module (src/worker/workflows.ts). */
export const PACKAGE_WORKFLOW_TYPES: readonly string[] = ['sora2Generation', 'sora2Batch'];

/** A history file that cannot be replayed as given: missing, unreadable, or not a workflow history. */
export class HistoryFileError extends Error {
  override readonly name = 'HistoryFileError';
}

export interface HistoryToReplay {
  /** The workflow id the replay runs under (workflow code may read it). */
  workflowId: string;
  history: History;
  /** Where it came from, for people: a file path or `server`. */
  source: string;
}

export type ReplayVerdict = 'ok' | 'nondeterministic' | 'failed';

export interface HistoryReplayOutcome {
  workflowId: string;
  source: string;
  workflowType: string | undefined;
  events: number;
  verdict: ReplayVerdict;
  /** The SDK's message for a history that did not replay. */
  message?: string;
}

/** The workflow execution's start attributes: its type, and (servers since 1.2x) its workflow id. */
function startedAttributes(history: History) {
  const first = history.events?.[0];
  return first?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ? first.workflowExecutionStartedEventAttributes : undefined;
}

export const workflowTypeOf = (history: History): string | undefined => startedAttributes(history)?.workflowType?.name ?? undefined;

/**
 * A history file as the replayer needs it. JSON (`{"events": [...]}`, or a `{"history": {...}}`
 * wrapper) when the text starts with `{`, else the binary wire encoding. The workflow id is the one
 * recorded in the start event, else the file's name.
 */
export function readHistoryFile(path: string): HistoryToReplay {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HistoryFileError(
      code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path}: is a directory` : `${path}: cannot read (${code ?? err})`,
    );
  }
  const history = parseHistory(bytes, path);
  if (!startedAttributes(history)) {
    throw new HistoryFileError(`${path}: not a workflow history (its first event is not WorkflowExecutionStarted)`);
  }
  return { workflowId: startedAttributes(history)?.workflowId || basename(path), history, source: path };
}

function parseHistory(bytes: Buffer, path: string): History {
  const text = bytes.toString('utf8').trimStart();
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new HistoryFileError(`${path}: not valid JSON (${(err as Error).message})`);
    }
    const candidate = (json as { history?: unknown }).history ?? json;
    const events = (candidate as { events?: unknown }).events;
    if (!Array.isArray(events) || events.length === 0) {
      throw new HistoryFileError(`${path}: no "events" array (expected the JSON of \`temporal workflow show --output json\`)`);
    }
    try {
      return historyFromJson(candidate);
    } catch (err) {
      throw new HistoryFileError(`${path}: not a workflow history (${(err as Error).message})`);
    }
  }
  try {
    const history = temporal.api.history.v1.History.decode(bytes);
    if (history.events.length > 0) return history;
  } catch {
    // Reported below with the formats that are accepted.
  }
  throw new HistoryFileError(`${path}: neither a JSON history nor a binary (protobuf) one`);
}

/** The reflection API of protobufjs, as much of it as the JSON reading walks. */
interface ReflectedType {
  fields: Record<string, { resolve(): unknown; resolvedType: ReflectedType | ReflectedEnum | null; repeated: boolean; map: boolean }>;
}
interface ReflectedEnum {
  values: Record<string, number>;
}
interface ProtoJson {
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

/**
 * `protobufjs/ext/protojson` from the protobufjs copy `@temporalio/proto` is built on. The SDK's own
 * `historyFromJSON` takes it from `@temporalio/common`'s copy, and when npm installs protobufjs 8
 * once per `@temporalio/*` package (another package holding protobufjs 7 at the top, as
 * OpenTelemetry's exporters do) that copy refuses the other's types: "type must be a Type".
 */
function protoJson(): ProtoJson {
  const protoDir = dirname(require.resolve('@temporalio/proto/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @temporalio/proto's folder, see above
  return require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
}

const isEnum = (type: unknown): type is ReflectedEnum => typeof type === 'object' && type !== null && 'values' in type;

/**
 * Enum values in the Temporal CLI's short form (`WorkflowExecutionStarted`, `Normal`) written out
 * in full (`EVENT_TYPE_WORKFLOW_EXECUTION_STARTED`, `TASK_QUEUE_KIND_NORMAL`) anywhere in the
 * message, which is what protobuf's JSON reading accepts. Every Temporal enum has an `…_UNSPECIFIED`
 * value: its prefix is the prefix of all the others.
 */
function expandShortEnums(type: ReflectedType, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const expanded: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, child] of Object.entries(expanded)) {
    const field = type.fields[key];
    if (!field) continue;
    field.resolve();
    const target = field.resolvedType;
    if (!target) continue;
    const one = (item: unknown) => (isEnum(target) ? expandEnumValue(target, item) : expandShortEnums(target, item));
    if (field.map && typeof child === 'object' && child !== null) {
      expanded[key] = Object.fromEntries(Object.entries(child).map(([k, v]) => [k, one(v)]));
    } else if (field.repeated && Array.isArray(child)) {
      expanded[key] = child.map(one);
    } else {
      expanded[key] = one(child);
    }
  }
  return expanded;
}

function expandEnumValue(type: ReflectedEnum, value: unknown): unknown {
  if (typeof value !== 'string' || value in type.values) return value;
  const unspecified = Object.keys(type.values).find((name) => name.endsWith('_UNSPECIFIED'));
  if (!unspecified) return value;
  const full = `${unspecified.slice(0, -'UNSPECIFIED'.length)}${value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
  return full in type.values ? full : value;
}

/** A history in protobuf's JSON form (either enum spelling) as the replayer takes it. */
export function historyFromJson(json: unknown): History {
  const historyType = temporal.api.history.v1.History as unknown as ReflectedType;
  const history = protoJson().fromJson(historyType, expandShortEnums(historyType, json), { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new TypeError('no events');
  return history;
}

/**
 * The workflow code a worker of this package runs: the prebuilt bundle when it was built with the
 * installed `@temporalio/workflow`, else the workflows module (bundled here, as the worker would).
 */
export function packageWorkflowCode(): Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const prebuilt = prebuiltWorkflowBundle();
  return prebuilt ? { workflowBundle: prebuilt } : { workflowsPath: require.resolve('./workflows') };
}

/**
 * Replays each history, one at a time, on one replay worker; yields an outcome per history in
 * order. A history that does not replay is an outcome, not an exception: only a worker that
 * cannot be built (bundling, plugin configuration) throws.
 */
export async function* replayHistories(
  histories: Iterable<HistoryToReplay> | AsyncIterable<HistoryToReplay>,
  options: ReplayWorkerOptions,
): AsyncGenerator<HistoryReplayOutcome> {
  // The SDK yields { workflowId, runId, error } in input order: the pending queue carries the rest.
  const pending: HistoryToReplay[] = [];
  async function* feed() {
    for await (const item of histories) {
      pending.push(item);
      yield { workflowId: item.workflowId, history: item.history };
    }
  }
  for await (const result of Worker.runReplayHistories(options, feed())) {
    const item = pending.shift()!;
    const error = result.error;
    yield {
      workflowId: item.workflowId,
      source: item.source,
      workflowType: workflowTypeOf(item.history),
      events: item.history.events?.length ?? 0,
      verdict: !error ? 'ok' : error.name === 'DeterminismViolationError' ? 'nondeterministic' : 'failed',
      ...(error ? { message: error.message } : {}),
    };
  }
}
