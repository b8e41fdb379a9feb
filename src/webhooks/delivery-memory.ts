/**
 * Which deliveries this receiver process has already handed to Temporal, by event id, for a while.
 *
 * Why: a signature proves who made a delivery, not that it is new. Within the timestamp window a
 * captured genuine delivery verifies again, and every copy would become one more signal — the
 * workflow's inbox drops the copy, but each signal is still a history event, and enough of them push
 * a run toward Temporal's per-run limits. So a copy of an event already delivered is answered 200
 * (`duplicate`) without a Temporal call.
 *
 * What is remembered: only an event whose delivery was *decided* (signalled, found closed, or not
 * ours): an event that failed to reach its workflow (503, 409) is not, so Rivya's redelivery goes
 * through. How long: by default twice the timestamp tolerance — a delivery signed at t verifies
 * until t + tolerance and can have arrived as early as t − tolerance, so every replay that can still
 * pass the signature check falls inside. Later copies are refused as stale by the verifier.
 *
 * Bounded: at most `capacity` ids (oldest first out), ids held to EVENT_ID_PATTERN (≤ 132 chars);
 * only verified deliveries ever get in, so the size follows Rivya's volume, not a caller's. Past
 * the capacity an early-forgotten id costs one extra signal, which the workflow's inbox still drops.
 *
 * Per process: replicas do not share it (see docs/webhooks.md); each replica signals a replayed
 * event at most once per window.
 */
export class DeliveryMemory {
  /** id → when it may be forgotten (ms). Insertion order is expiry order: the window is fixed. */
  readonly #expiries = new Map<string, number>();

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  has(id: string): boolean {
    const expires = this.#expiries.get(id);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.#expiries.delete(id);
    return false;
  }

  remember(id: string): void {
    if (this.capacity <= 0) return;
    this.#expiries.delete(id);
    this.#expiries.set(id, this.now() + this.windowMs);
    this.#prune();
  }

  get size(): number {
    this.#prune();
    return this.#expiries.size;
  }

  #prune(): void {
    const now = this.now();
    for (const [id, expires] of this.#expiries) {
      if (expires > now && this.#expiries.size <= this.capacity) break;
      this.#expiries.delete(id);
    }
  }
}
