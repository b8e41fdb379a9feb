/**
 * `rivya-sora2 videos serve`: the OpenAI-compatible videos endpoint (src/videos) as a long-running
 * process. Caller keys from --keys-file / RIVYA_VIDEOS_KEYS_FILE or RIVYA_VIDEOS_KEYS (name:key
 * entries; never Rivya's key, which is refused), Temporal from @temporalio/envconfig like the worker,
 * the save and reference directories the worker's (RIVYA_SAVE_DIR, RIVYA_REFERENCE_DIR) on the same
 * file system. Binds 127.0.0.1 unless --host says otherwise. Keys are never printed.
 *
 * Exit codes, as the other commands: 2 for configuration the caller must fix, 1 for anything else.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SORA2_TASK_QUEUE } from '../../../src/client/helpers';
import { parsePort } from '../../../src/internal/net/ports';
import {
  callerKeysFromEnv,
  DEFAULT_VIDEOS_HOST,
  DEFAULT_VIDEOS_PORT,
  DEFAULT_VIDEOS_SAVE_TO,
  serveVideos,
  VideosConfigError,
  VIDEOS_KEYS_ENV,
  VIDEOS_KEYS_FILE_ENV,
} from '../../../src/videos';
import { lazyClient } from '../connection';
import { printable } from '../printable';
import { untilStopSignal } from '../stop-signal';

export interface VideosServeOptions {
  port: string;
  host: string;
  keysFile?: string;
  saveDir?: string;
  saveTo: string;
  referenceDir?: string;
  taskQueue: string;
}

export function registerVideos(program: Command): void {
  const group = program.command('videos').description('an OpenAI-compatible videos endpoint (client.videos.*) over durable generations');
  group
    .command('serve')
    .description(
      'serve POST/GET/DELETE /v1/videos for OpenAI clients (baseURL http://<host>:<port>/v1): each create starts a durable ' +
        `sora2Generation saved under the save directory. Caller keys: ${VIDEOS_KEYS_FILE_ENV} or ${VIDEOS_KEYS_ENV} (name:key). ` +
        'Plain HTTP: put TLS in front. docs/videos-endpoint.md',
    )
    .option('--port <port>', 'port to listen on', process.env.RIVYA_VIDEOS_PORT ?? String(DEFAULT_VIDEOS_PORT))
    .option('--host <host>', 'address to bind (loopback unless told otherwise)', process.env.RIVYA_VIDEOS_HOST ?? DEFAULT_VIDEOS_HOST)
    .option('--keys-file <path>', `caller keys, one name:key a line (else ${VIDEOS_KEYS_FILE_ENV}, else ${VIDEOS_KEYS_ENV})`)
    .option('--save-dir <dir>', "the worker's save root (default RIVYA_SAVE_DIR)")
    .option('--save-to <dir>', 'save.to of the generations, relative to the save root', DEFAULT_VIDEOS_SAVE_TO)
    .option('--reference-dir <dir>', "the worker's reference directory, for input_reference uploads (default RIVYA_REFERENCE_DIR)")
    .option('--task-queue <queue>', 'task queue of the workers', process.env.RIVYA_TASK_QUEUE ?? DEFAULT_SORA2_TASK_QUEUE)
    .action((options: VideosServeOptions) => runVideosServer(options));
}

/** Runs until SIGINT/SIGTERM, then stops taking requests and lets in-flight ones finish. */
export async function runVideosServer(options: VideosServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const keys = callerKeysFromEnv(env, options.keysFile);
  const port = parsePort(options.port);
  if (port === undefined) throw new VideosConfigError('--port must be a port number (0-65535)');
  const saveDir = options.saveDir ?? env.RIVYA_SAVE_DIR;
  if (!saveDir) throw new VideosConfigError("--save-dir or RIVYA_SAVE_DIR: the worker's save root, where the videos are served from");
  const referenceDir = options.referenceDir ?? env.RIVYA_REFERENCE_DIR;
  const absolute = (dir: string) => (isAbsolute(dir) ? dir : resolve(dir));

  const { client, connection, address, namespace } = lazyClient(env);
  let running;
  try {
    running = await serveVideos({
      client,
      keys,
      port,
      host: options.host,
      saveDirectory: absolute(saveDir),
      saveTo: options.saveTo,
      ...(referenceDir ? { referenceDirectory: absolute(referenceDir) } : {}),
      taskQueue: options.taskQueue,
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const names = new Set(keys.map((key) => key.name));
  console.log(
    `rivya-sora2 videos endpoint on ${printable(running.baseURL)} (Temporal ${printable(address)}, namespace ${printable(namespace)}, ` +
      `task queue ${printable(options.taskQueue)}; ${names.size} caller${names.size === 1 ? '' : 's'}; ` +
      `${referenceDir ? 'uploads on' : 'no uploads: no reference directory'}); GET /healthz for liveness`,
  );
  if (options.host !== DEFAULT_VIDEOS_HOST && options.host !== 'localhost' && options.host !== '::1')
    console.warn(`warning: bound to ${printable(options.host)}, not loopback: plain HTTP, put TLS in front`);
  await untilStopSignal();
  await running.close();
  await connection.close();
  console.log('rivya-sora2 videos endpoint stopped');
}
