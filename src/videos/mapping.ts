/**
 * OpenAI's `videos.create` fields → Rivya's sora-2 input. Where a mapping exists it is applied;
 * everything else is refused with a 400 that names what Rivya's sora-2 accepts, rather than
 * silently generating something the caller did not ask for (docs/videos-endpoint.md has the table).
 */
import { MAX_PROMPT_CHARS, SORA_2_PARAMS } from '../contract/models';
import { badParam } from './errors';

/** The only model this endpoint starts. */
export const VIDEOS_MODEL = 'sora-2';

/**
 * OpenAI's sora-2 sizes → Rivya's aspect ratio. Rivya documents no pixel resolution for sora-2, so
 * the size reported back names the aspect ratio asked for, not a measured resolution.
 */
export const SIZE_TO_ASPECT_RATIO = { '720x1280': 'portrait', '1280x720': 'landscape' } as const;
export type VideoSizeAccepted = keyof typeof SIZE_TO_ASPECT_RATIO;
/** OpenAI's default (portrait), kept: code written against OpenAI that names no size gets the shape it had. */
export const DEFAULT_VIDEO_SIZE: VideoSizeAccepted = '720x1280';

/** Rivya's n_frames values are its durations in seconds; OpenAI's 4/8/12 have no Rivya equivalent. */
export const ACCEPTED_SECONDS = SORA_2_PARAMS.n_frames.options;
export type VideoSecondsAccepted = (typeof ACCEPTED_SECONDS)[number];
/** Rivya's own default (OpenAI's "4" does not exist on Rivya): the shorter clip. */
export const DEFAULT_VIDEO_SECONDS: VideoSecondsAccepted = SORA_2_PARAMS.n_frames.default;

/** A create request as received (JSON body or multipart fields), before mapping. */
export interface VideoCreateFields {
  prompt?: unknown;
  model?: unknown;
  seconds?: unknown;
  size?: unknown;
  /** `{ image_url }` / `{ file_id }` (JSON or `input_reference[...]` multipart fields). */
  input_reference?: unknown;
}

/** What the mapping hands to the generation: Rivya's params, and the OpenAI values to report back. */
export interface MappedVideoRequest {
  prompt: string;
  seconds: VideoSecondsAccepted;
  size: VideoSizeAccepted;
  params: { n_frames: VideoSecondsAccepted; aspect_ratio: 'portrait' | 'landscape' };
  /** An https image URL given as `input_reference.image_url` (an upload is handled by the body reader). */
  referenceUrl?: string;
}

const KNOWN_FIELDS = new Set(['prompt', 'model', 'seconds', 'size', 'input_reference']);

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');

/** Refuses fields OpenAI does not define here (or that Rivya has no use for), by name. */
export function refuseUnknownFields(names: Iterable<string>): void {
  for (const name of names) {
    if (!KNOWN_FIELDS.has(name))
      throw badParam(
        name,
        `unknown parameter "${name.slice(0, 64)}": this endpoint takes prompt, model, seconds, size and input_reference`,
        'unknown_parameter',
      );
  }
}

function asText(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw badParam(param, `${param} must be a string`);
  return value;
}

function mapReference(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw badParam('input_reference', 'input_reference must be an image file upload or { "image_url": "https://…" }');
  const { image_url: imageUrl, file_id: fileId, ...rest } = value as Record<string, unknown>;
  if (fileId !== undefined)
    throw badParam(
      'input_reference',
      'input_reference.file_id is not supported: Rivya has no OpenAI Files API; upload the image itself or give an https image_url',
    );
  if (Object.keys(rest).length > 0 || typeof imageUrl !== 'string')
    throw badParam('input_reference', 'input_reference must be an image file upload or { "image_url": "https://…" }');
  if (!imageUrl.startsWith('https://') || imageUrl.length > 4096)
    throw badParam(
      'input_reference',
      'input_reference.image_url must be an https:// URL (at most 4096 characters); data: URLs are not supported, upload the file instead',
    );
  return imageUrl;
}

/** Maps and checks the fields; throws a 400 VideosHttpError naming the field and what Rivya's sora-2 accepts. */
export function mapVideoCreate(fields: VideoCreateFields): MappedVideoRequest {
  const prompt = asText(fields.prompt, 'prompt');
  if (prompt === undefined || prompt.trim() === '') throw badParam('prompt', 'prompt is required', 'missing_required_parameter');
  if (prompt.length > MAX_PROMPT_CHARS) throw badParam('prompt', `prompt must be at most ${MAX_PROMPT_CHARS} characters (Rivya's limit)`);

  const model = asText(fields.model, 'model') ?? VIDEOS_MODEL;
  if (model !== VIDEOS_MODEL)
    throw badParam(
      'model',
      `model "${model.slice(0, 64)}" is not available here: this endpoint runs Rivya's "sora-2" only`,
      'unsupported_model',
    );

  const seconds = asText(fields.seconds, 'seconds') ?? DEFAULT_VIDEO_SECONDS;
  if (!(ACCEPTED_SECONDS as readonly string[]).includes(seconds))
    throw badParam(
      'seconds',
      `seconds "${seconds.slice(0, 16)}" is not available: Rivya's sora-2 makes clips of ${quoted(ACCEPTED_SECONDS)} seconds only ` +
        `(OpenAI's 4, 8 and 12 have no Rivya equivalent); default "${DEFAULT_VIDEO_SECONDS}"`,
      'unsupported_value',
    );

  const size = asText(fields.size, 'size') ?? DEFAULT_VIDEO_SIZE;
  if (!(size in SIZE_TO_ASPECT_RATIO))
    throw badParam(
      'size',
      `size "${size.slice(0, 32)}" is not available: Rivya's sora-2 takes an aspect ratio, so ${quoted(Object.keys(SIZE_TO_ASPECT_RATIO))} ` +
        `(portrait, landscape) only; default "${DEFAULT_VIDEO_SIZE}"`,
      'unsupported_value',
    );
  const accepted = size as VideoSizeAccepted;
  const referenceUrl = mapReference(fields.input_reference);
  return {
    prompt,
    seconds: seconds as VideoSecondsAccepted,
    size: accepted,
    params: { n_frames: seconds as VideoSecondsAccepted, aspect_ratio: SIZE_TO_ASPECT_RATIO[accepted] },
    ...(referenceUrl ? { referenceUrl } : {}),
  };
}
