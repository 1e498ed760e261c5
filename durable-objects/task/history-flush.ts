import type { StoredEvent } from "../../db/task-events.ts";

export type HistoryFlushDeps = {
  /** Writes the task's row as it stands now. */
  writeTask(): Promise<void>;
  /** The oldest events not yet in D1, at most `limit`. */
  unflushed(limit: number): StoredEvent[];
  insertEvents(events: StoredEvent[]): Promise<void>;
  markFlushed(upToSeq: number): void;
  /** A failed flush is tried again from the object's alarm. */
  retryAt(at: number): Promise<void>;
};

const BATCH = 200;
const RETRY_MS = 2_000;

/**
 * TaskDO's copy of its task into D1 (the history the API reads): the row and
 * every unflushed event, in order. Single-flight: a flush asked for while one
 * runs makes that one go round again, so nothing written meanwhile is left out.
 */
export class HistoryFlush {
  readonly #d: HistoryFlushDeps;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(deps: HistoryFlushDeps) {
    this.#d = deps;
  }

  flush(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#run().finally(() => (this.#running = null));
    return this.#running;
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#d.writeTask();
        for (;;) {
          const batch = this.#d.unflushed(BATCH);
          if (batch.length === 0) break;
          await this.#d.insertEvents(batch);
          this.#d.markFlushed(batch.at(-1)!.seq);
        }
      } while (this.#again);
    } catch (err) {
      await this.#d.retryAt(Date.now() + RETRY_MS);
      throw err;
    }
  }
}
