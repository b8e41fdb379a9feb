/** Refusals of a save that no retry can fix: the target (not the bytes, see VideoRejectedError) is unusable. */
export class SaveTargetRejectedError extends Error {
  override readonly name = 'SaveTargetRejectedError';
}
