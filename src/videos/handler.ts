/**
 * The OpenAI-compatible videos API as a node:http `(req, res)` handler: mount it in your own server
 * or run it with serveVideos. Routes (under /v1): POST /videos, GET /videos, GET /videos/{id},
 * GET /videos/{id}/content, DELETE /videos/{id}. Every answer but a download is JSON; every error
 * is OpenAI-shaped (errors.ts). Nothing here knows Rivya's key: it stays with the worker.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import {
  DEFAULT_SORA2_TASK_QUEUE,
  SORA2_WORKFLOW_TYPE,
  Sora2InputError,
  Sora2WorkflowIdConflictError,
  startSora2Generation,
} from '../client/helpers';
import { Sora2TemporalUnavailableError } from '../client/temporal-unavailable';
import type { Sora2GenerationInput } from '../../workflows/generation/input';
import { callerAuthenticator, type VideosCallerKey } from './auth';
import { readCreateBody } from './body';
import { badParam, notFound, VideosHttpError } from './errors';
import { isOwnVideoId, MAX_IDEMPOTENCY_KEY_CHARS, newVideoId, ownerPrefix } from './ids';
import { mapVideoCreate, refuseUnknownFields } from './mapping';
import { DEFAULT_VIDEOS_SAVE_TO, SavedVideos } from './store';
import { VIDEO_MEMO_KEY, videoObjectOf, type RunInfo, type VideoMemo, type VideoObject } from './video-object';

export const VIDEOS_LIST_LIMITS = { defaultLimit: 20, maxLimit: 100, maxScanned: 1_000 } as const;
const MAX_URL_CHARS = 2_048;

export interface VideosHandlerOptions {
  /** The Temporal client that starts and reads generations (with the codec plugin when payloads are encrypted). */
  client: Client;
  /** Callers' own bearer keys (auth.ts); never Rivya's key. */
  keys: readonly VideosCallerKey[];
  /** The worker's save root (its RIVYA_SAVE_DIR), read from this process: same host or a shared volume. */
  saveDirectory: string;
  /** `save.to` of the generations started here, relative to the save root. Default 'openai-videos'. */
  saveTo?: string;
  /** The worker's reference directory (RIVYA_REFERENCE_DIR); without it `input_reference` uploads are refused. */
  referenceDirectory?: string;
  /** Default 'rivya-sora2'. */
  taskQueue?: string;
  /** Extra generation input (polling, completion, deadline) for every video started here. */
  generation?: Pick<Sora2GenerationInput, 'polling' | 'completion'>;
  /** Told about unexpected failures (answered 500/503 without details). Default: console.warn of the message. */
  onError?: (err: unknown) => void;
}

export type VideosHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(req: IncomingMessage, res: ServerResponse, err: VideosHttpError): void {
  // A body left unread (refused early, or too large) is not read on: the connection closes.
  const unread = !req.complete;
  sendJson(res, err.status, err.body(), {
    ...(err.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
    ...(unread ? { connection: 'close' } : {}),
  });
  if (unread) res.once('finish', () => req.socket.destroy());
}

function idempotencyKeyOf(req: IncomingMessage): string | undefined {
  const value = req.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (Array.isArray(value) || value.length === 0 || value.length > MAX_IDEMPOTENCY_KEY_CHARS || !/^[\x20-\x7e]+$/.test(value))
    throw new VideosHttpError(
      400,
      `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters`,
      'invalid_idempotency_key',
      'Idempotency-Key',
    );
  return value;
}

export function createVideosHandler(options: VideosHandlerOptions): VideosHandler {
  const { client, taskQueue = DEFAULT_SORA2_TASK_QUEUE, referenceDirectory, generation = {} } = options;
  const authenticate = callerAuthenticator(options.keys);
  const saved = new SavedVideos(options.saveDirectory, options.saveTo ?? DEFAULT_VIDEOS_SAVE_TO);
  const onError =
    options.onError ?? ((err: unknown) => console.warn(`videos endpoint: ${err instanceof Error ? err.message : String(err)}`));

  /** The caller's video (describe + Video object); 404 for another caller's id, a deleted one, or none. */
  async function describeVideo(id: string, caller: string): Promise<{ info: RunInfo; video: VideoObject }> {
    if (!isOwnVideoId(id, caller)) throw notFound(id.slice(0, 80));
    if (await saved.isDeleted(id)) throw notFound(id, 'this video was deleted');
    let info: RunInfo;
    try {
      info = await client.workflow.getHandle(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(id);
      throw err;
    }
    const video = await videoObjectOf(client, info);
    if (!video) throw notFound(id);
    return { info, video };
  }

  async function create(req: IncomingMessage, caller: string): Promise<VideoObject> {
    const idempotencyKey = idempotencyKeyOf(req);
    const body = await readCreateBody(req, referenceDirectory);
    refuseUnknownFields(body.names);
    const mapped = mapVideoCreate(body.fields);
    if (body.uploadedReference && mapped.referenceUrl)
      throw badParam('input_reference', 'give input_reference as an upload or as image_url, not both');
    const id = newVideoId(caller, idempotencyKey);
    if (await saved.isDeleted(id))
      throw new VideosHttpError(
        400,
        `the video made under this Idempotency-Key (${id}) was deleted: use a new key`,
        'idempotency_key_reused',
        'Idempotency-Key',
      );
    const reference = body.uploadedReference
      ? { path: body.uploadedReference }
      : mapped.referenceUrl
        ? { url: mapped.referenceUrl }
        : undefined;
    const input: Sora2GenerationInput = {
      ...generation,
      prompt: mapped.prompt,
      model: 'sora-2',
      params: mapped.params,
      ...(reference ? { reference } : {}),
      save: { to: saved.saveTo },
      metadata: { source: 'openai-videos', caller },
    };
    const memo: VideoMemo = {
      prompt: mapped.prompt,
      seconds: mapped.seconds,
      size: mapped.size,
      created_at: Math.floor(Date.now() / 1000),
    };
    try {
      await startSora2Generation(client, input, { workflowId: id, taskQueue, memo: { [VIDEO_MEMO_KEY]: memo } });
    } catch (err) {
      if (err instanceof Sora2WorkflowIdConflictError)
        throw new VideosHttpError(
          400,
          'this Idempotency-Key was used for a different request: use a new key',
          'idempotency_key_reused',
          'Idempotency-Key',
        );
      if (err instanceof Sora2InputError) {
        const issue = err.issues[0];
        throw badParam(issue?.path.split('.')[0] === 'prompt' ? 'prompt' : (issue?.path ?? 'body'), err.message.slice(0, 1_000));
      }
      throw err;
    }
    return (await describeVideo(id, caller)).video;
  }

  async function list(url: URL, caller: string): Promise<unknown> {
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? VIDEOS_LIST_LIMITS.defaultLimit : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > VIDEOS_LIST_LIMITS.maxLimit)
      throw badParam('limit', `limit must be an integer from 1 to ${VIDEOS_LIST_LIMITS.maxLimit}`);
    const order = url.searchParams.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw badParam('order', 'order must be "asc" or "desc"');
    const after = url.searchParams.get('after');
    if (after !== null && !isOwnVideoId(after, caller)) throw badParam('after', 'after must be the id of one of your videos');

    // One entry per id (an id's earlier runs, continued as new, are listed too: the latest wins).
    const latest = new Map<string, WorkflowExecutionInfo>();
    const query = `WorkflowType = '${SORA2_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${ownerPrefix(caller)}'`;
    let scanned = 0;
    for await (const info of client.workflow.list({ query, pageSize: 100 })) {
      const known = latest.get(info.workflowId);
      if (!known || known.status.name === 'CONTINUED_AS_NEW') latest.set(info.workflowId, info);
      if ((scanned += 1) >= VIDEOS_LIST_LIMITS.maxScanned) break;
    }
    const createdAt = (info: WorkflowExecutionInfo) =>
      (info.memo?.[VIDEO_MEMO_KEY] as VideoMemo | undefined)?.created_at ?? info.startTime.getTime() / 1000;
    const sorted = [...latest.values()].sort((a, b) => createdAt(a) - createdAt(b) || (a.workflowId < b.workflowId ? -1 : 1));
    if (order === 'desc') sorted.reverse();
    const start = after === null ? 0 : sorted.findIndex((info) => info.workflowId === after) + 1;
    const page: RunInfo[] = [];
    let index = start;
    for (; index < sorted.length && page.length < limit; index += 1) {
      const info = sorted[index]!;
      if (!(await saved.isDeleted(info.workflowId))) page.push(info);
    }
    // At once: a running video's status query may wait up to its timeout, and a page has up to 100.
    const data = (await Promise.all(page.map((info) => videoObjectOf(client, info)))).filter((video): video is VideoObject => !!video);
    return {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: index < sorted.length,
    };
  }

  async function download(req: IncomingMessage, res: ServerResponse, url: URL, id: string, caller: string): Promise<void> {
    const variant = url.searchParams.get('variant') ?? 'video';
    if (variant !== 'video')
      throw badParam(
        'variant',
        `variant "${variant.slice(0, 32)}" is not available: Rivya's sora-2 returns the video only (no thumbnail or spritesheet)`,
        'unsupported_value',
      );
    const { video } = await describeVideo(id, caller);
    if (video.status !== 'completed')
      throw new VideosHttpError(
        400,
        `video ${id} is ${video.status}: its content can be downloaded once it is completed`,
        'video_not_ready',
        'id',
      );
    const result = (await client.workflow.getHandle(id).result()) as { saved?: { contentType?: string } | null };
    const file = await saved.open(id);
    if (!file) throw notFound(id, "the saved video is not in this endpoint's save directory");
    res.writeHead(200, {
      'content-type': result.saved?.contentType ?? 'video/mp4',
      'content-length': String(file.bytes),
      'cache-control': 'no-store',
      'content-disposition': `attachment; filename="${id}.mp4"`,
    });
    if (req.method === 'HEAD') {
      file.stream.destroy();
      res.end();
      return;
    }
    file.stream.on('error', () => res.destroy());
    file.stream.pipe(res);
  }

  async function remove(id: string, caller: string): Promise<unknown> {
    const { video } = await describeVideo(id, caller);
    if (video.status !== 'completed' && video.status !== 'failed')
      throw new VideosHttpError(
        400,
        `video ${id} is ${video.status}: only a completed or failed video can be deleted`,
        'video_not_finished',
        'id',
      );
    const removed = await saved.remove(id);
    return {
      id,
      object: 'video.deleted',
      deleted: true,
      // Said plainly: what went, and what this endpoint cannot delete.
      rivya: {
        removed: removed ? ['the saved video file'] : [],
        kept: [
          "the generation's Temporal history (until the namespace's retention)",
          "Rivya's task and its media URL (Rivya's API has no delete)",
        ],
      },
    };
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').length > MAX_URL_CHARS)
      throw new VideosHttpError(414, `the URL must be at most ${MAX_URL_CHARS} characters`, 'uri_too_long');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1' || parts[1] !== 'videos')
      throw new VideosHttpError(404, `no route ${req.method} ${url.pathname.slice(0, 100)}`, 'not_found');
    const caller = authenticate(req.headers.authorization);
    if (!caller)
      throw new VideosHttpError(401, 'Incorrect or missing API key: send Authorization: Bearer <your videos key>', 'invalid_api_key');
    const [, , id, sub, ...rest] = parts;
    const method = req.method ?? 'GET';
    if (id === undefined) {
      if (method === 'POST') return sendJson(res, 200, await create(req, caller));
      if (method === 'GET') return sendJson(res, 200, await list(url, caller));
    } else if (rest.length === 0 && VIDEO_ID_LIKE.test(id)) {
      if (sub === undefined && method === 'GET') return sendJson(res, 200, (await describeVideo(id, caller)).video);
      if (sub === undefined && method === 'DELETE') return sendJson(res, 200, await remove(id, caller));
      if (sub === 'content' && (method === 'GET' || method === 'HEAD')) return download(req, res, url, id, caller);
    }
    // remix, edits, extensions, characters: OpenAI features Rivya's sora-2 has no counterpart for.
    throw new VideosHttpError(
      404,
      `${method} ${url.pathname.slice(0, 100)} is not available: this endpoint supports create, retrieve, list, download and delete`,
      'unsupported_endpoint',
    );
  }

  return async (req, res) => {
    try {
      await route(req, res);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof VideosHttpError) return sendError(req, res, err);
      onError(err);
      if (err instanceof Sora2TemporalUnavailableError)
        return sendError(
          req,
          res,
          new VideosHttpError(
            503,
            'Temporal is unavailable: retry later (with an Idempotency-Key a retried create attaches)',
            'temporal_unavailable',
          ),
        );
      sendError(req, res, new VideosHttpError(500, 'internal error', 'internal_error'));
    }
  };
}

/** What a video id segment may look like before ownership is checked (else the route is unknown). */
const VIDEO_ID_LIKE = /^[A-Za-z0-9_-]{1,128}$/;
