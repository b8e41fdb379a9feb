/**
 * taskId → workflowId, least recently used first out. Rivya redelivers (at-least-once, S10), and a
 * workflow may get a `succeeded` and a redelivered `succeeded`: the second skips the visibility
 * query. Per receiver process; replicas each keep their own, which is fine — it is only a shortcut,
 * and a wrong entry costs a signal that fails with not-found (the entry is then dropped).
 */
export class RouteCache {
  readonly #entries = new Map<string, string>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {}

  get(taskId: string): string | undefined {
    const workflowId = this.#entries.get(taskId);
    if (workflowId === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    // A Map iterates in insertion order: re-inserting makes this the most recently used.
    this.#entries.delete(taskId);
    this.#entries.set(taskId, workflowId);
    return workflowId;
  }

  set(taskId: string, workflowId: string): void {
    if (this.capacity <= 0) return;
    this.#entries.delete(taskId);
    this.#entries.set(taskId, workflowId);
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(taskId: string): void {
    this.#entries.delete(taskId);
  }

  get size(): number {
    return this.#entries.size;
  }
}
