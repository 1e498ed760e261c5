import type { BetaAssistantMessageParam, BetaUserMessageParam } from "@anthropic-ai/sdk/resources/beta";

/** One turn of a conversation (system-role messages are not used). */
export type Turn = BetaUserMessageParam | BetaAssistantMessageParam;

// Conversations kept in memory per task id, so a follow-up or a resumed task
// continues where it was. Bounded: least recently used conversations go first.

export type Conversation = {
  messages: Turn[];
  /** Steps (model calls) so far across every run of the task. */
  steps: number;
  /** Whether type_secret is offered: once it is, it stays, so the cached prefix (tools first) changes at most once. */
  typeSecret?: boolean;
};

export class ConversationStore {
  readonly #max: number;
  readonly #map = new Map<string, Conversation>();

  constructor(max = 32) {
    this.#max = Math.max(1, max);
  }

  get(taskId: string): Conversation | undefined {
    const c = this.#map.get(taskId);
    if (c) {
      this.#map.delete(taskId);
      this.#map.set(taskId, c);
    }
    return c;
  }

  set(taskId: string, conversation: Conversation): void {
    this.#map.delete(taskId);
    this.#map.set(taskId, conversation);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}
