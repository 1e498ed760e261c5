/**
 * Work for one task runs strictly after the work queued before it for the
 * same task; different tasks do not wait for each other. In memory: the
 * host resends whatever was not acknowledged after a restart anyway.
 */
export class PerTaskOrder {
  readonly #tails = new Map<string, Promise<void>>();

  /** Queues `work` behind the task's earlier work; resolves when it has run. `work` must not reject. */
  run(taskId: string, work: () => Promise<void>): Promise<void> {
    const next = (this.#tails.get(taskId) ?? Promise.resolve()).then(work);
    this.#tails.set(taskId, next);
    void next.finally(() => {
      if (this.#tails.get(taskId) === next) this.#tails.delete(taskId);
    });
    return next;
  }

  /** Tasks with work queued or running. */
  get size(): number {
    return this.#tails.size;
  }
}
