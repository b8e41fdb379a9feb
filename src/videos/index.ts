/**
 * An OpenAI-compatible videos endpoint (`client.videos.create / retrieve / list / downloadContent /
 * delete`) in front of durable `sora2Generation` runs. docs/videos-endpoint.md: the field mapping,
 * defaults, limits and idempotency.
 */
export { createVideosHandler, VIDEOS_LIST_LIMITS, type VideosHandler, type VideosHandlerOptions } from './handler';
export {
  serveVideos,
  DEFAULT_VIDEOS_HOST,
  DEFAULT_VIDEOS_PORT,
  DEFAULT_VIDEOS_HTTP_BOUNDS,
  type RunningVideosServer,
  type ServeVideosOptions,
} from './server';
export { callerKeysFromEnv, parseCallerKeys, VideosConfigError, VIDEOS_KEYS_ENV, VIDEOS_KEYS_FILE_ENV, type VideosCallerKey } from './auth';
export { VIDEOS_BODY_LIMITS, UPLOADS_SUBDIRECTORY } from './body';
export { DEFAULT_VIDEOS_SAVE_TO } from './store';
export {
  ACCEPTED_SECONDS,
  DEFAULT_VIDEO_SECONDS,
  DEFAULT_VIDEO_SIZE,
  SIZE_TO_ASPECT_RATIO,
  mapVideoCreate,
  type MappedVideoRequest,
  type VideoCreateFields,
} from './mapping';
export { VideosHttpError, type OpenAiErrorBody } from './errors';
export { VIDEO_ID_PATTERN } from './ids';
export type { VideoObject, VideoStatus } from './video-object';
