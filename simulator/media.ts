/** Public media: generated videos and uploaded files, served like a CDN would (no auth, no faults). */
import { existsSync } from 'node:fs';
import { assetPath } from '../src/internal/package-root';
import type { SimulatorStore } from './store';

/** Every succeeded task "renders" to the same bundled clip. */
export const SAMPLE_VIDEO = assetPath('sample-video.mp4');

export type MediaLookup =
  /** Not a media path: the request goes on to the API routes. */
  | { kind: 'not-media' }
  /** A media path with nothing (or nothing any more) behind it: 404. */
  | { kind: 'missing' }
  | { kind: 'file'; path: string; mime: string };

export function lookupMedia(store: SimulatorStore, path: string, now: number, sampleVideo = SAMPLE_VIDEO): MediaLookup {
  const video = /^\/media\/videos\/([^/]+)\.mp4$/.exec(path);
  if (video) {
    // A video exists only once its task succeeded; before that its URL is not even in the task object.
    const ready = store.tasks.get(video[1]!)?.status === 'succeeded' && existsSync(sampleVideo);
    return ready ? { kind: 'file', path: sampleVideo, mime: 'video/mp4' } : { kind: 'missing' };
  }
  const upload = /^\/media\/files\/([^/]+)$/.exec(path);
  if (upload) {
    const stored = store.files.get(upload[1]!);
    // S5: an uploaded file's URL stops working at its expires_at.
    return stored && stored.expiresAt > now ? { kind: 'file', path: stored.storagePath, mime: stored.mimeType } : { kind: 'missing' };
  }
  return { kind: 'not-media' };
}
