import type { InspectedVideo } from './video-inspector';

/** What a sink reports: where the video is, its checked facts, and whether an earlier attempt had already saved it. */
export interface SinkResult extends InspectedVideo {
  /** The file's absolute path, or `s3://bucket/key`. */
  location: string;
  /** Found complete from an earlier attempt: nothing was downloaded or written this time. */
  reused: boolean;
}

/** How a sink gets the bytes: opened only when the video must really be written, so a finished save costs no download. */
export type OpenVideo = () => Promise<NodeJS.ReadableStream>;

/** What every sink is told besides its target. */
export interface SaveRequest {
  /** `<workflow id, percent-encoded>.mp4` (savedFileName). */
  fileName: string;
  /** The activity's attempt: names this attempt's partial file or object, so a zombie attempt never writes over a new one. */
  attempt: number;
  maxBytes: number;
  open: OpenVideo;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}
