/** Result persistence: where a generation's video is saved (`save.to`) and the sinks that write it. */
export {
  formatSaveTarget,
  parseSaveTarget,
  savedFileName,
  SAVE_TARGET_LIMITS,
  type SaveTarget,
  type SaveTargetCheck,
} from '../contract/save-target';
export { saveToDirectory } from './directory-sink';
export { MAX_S3_COPY_BYTES, objectKeyOf, saveToS3, type S3Location } from './s3-sink';
export { createS3Client, type S3ClientOptions } from './s3-client';
export { SaveTargetRejectedError } from './errors';
export {
  VideoInspector,
  VideoRejectedError,
  videoContentTypeOf,
  VIDEO_CONTENT_TYPES,
  type InspectedVideo,
  type VideoContentType,
} from './video-inspector';
export type { OpenVideo, SaveRequest, SinkResult } from './saved';
