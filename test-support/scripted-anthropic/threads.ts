/**
 * Message threads (beta `message-threads-2026-08-12`), which the SDK 1.12 tool
 * runner uses by default: `thread: {"type":"create"}` asks the server to hold the
 * conversation under the response's id; `thread: {"type":"continue",
 * "previous_message_id": ...}` sends only the new messages. The server resolves a
 * continued request into the full request (held history + new messages, held
 * tools and system unless re-sent) before validating it.
 *
 * Rejections carry `error.details.error_code`, which the SDK reads to recover:
 * `thread_not_found` and `thread_already_continued` (it replays the full history
 * under a new thread) and `thread_unsupported_request` (it continues unthreaded).
 */
import { ApiError, invalid } from "./api-error.ts";
import type { JsonObject, Json } from "./validate-request.ts";

export const MESSAGE_THREADS_BETA = "message-threads-2026-08-12";

/** Fields a thread holds between turns when a continued request leaves them out. */
const HELD_FIELDS = ["system", "tools", "tool_choice", "thinking", "cache_control"] as const;

interface HeldThread {
  fields: JsonObject;
  messages: Json[];
  continued: boolean;
}

export function threadError(message: string, details: Record<string, Json>): ApiError {
  const e = new ApiError("invalid_request_error", message);
  e.details = details;
  return e;
}

export interface ResolvedThread {
  /** The full request body the model sees (no `thread` field). */
  body: JsonObject;
  /** Whether the reply must be held under its id. */
  hold: boolean;
  /** The id this request continues, if any. */
  continues: string | null;
}

export class ThreadStore {
  readonly #held = new Map<string, HeldThread>();
  readonly #enabled: boolean;
  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** The full request for a body that may carry `thread`. */
  resolve(body: JsonObject, betas: ReadonlySet<string>): ResolvedThread {
    const thread = body["thread"];
    if (thread === undefined || thread === null) return { body, hold: false, continues: null };
    if (!betas.has(MESSAGE_THREADS_BETA)) throw invalid("thread: Extra inputs are not permitted");
    if (!this.#enabled) {
      throw threadError("thread: this server cannot hold message threads", { error_code: "thread_unsupported_request", unsupported: ["thread"] });
    }
    if (typeof thread !== "object" || Array.isArray(thread)) throw invalid("thread: Input should be a valid dictionary");
    const { thread: _drop, ...rest } = body;
    void _drop;
    if (thread["type"] === "create") return { body: rest, hold: true, continues: null };
    if (thread["type"] !== "continue") {
      throw invalid(`thread: Input tag '${String(thread["type"])}' found using 'type' does not match any of the expected tags: 'continue', 'create'`);
    }
    const prev = thread["previous_message_id"];
    if (typeof prev !== "string") throw invalid("thread.continue.previous_message_id: Field required");
    const held = this.#held.get(prev);
    if (!held) throw threadError(`thread: no thread holds a message with id ${prev}`, { error_code: "thread_not_found" });
    if (held.continued) throw threadError(`thread: the thread at ${prev} was already continued`, { error_code: "thread_already_continued" });
    const newMessages = Array.isArray(rest["messages"]) ? rest["messages"] : [];
    const full: JsonObject = { ...held.fields, ...rest, messages: [...held.messages, ...newMessages] };
    return { body: full, hold: true, continues: prev };
  }

  /** Hold the conversation of a successful reply under its message id. */
  hold(resolved: ResolvedThread, messageId: string, reply: JsonObject): void {
    if (!resolved.hold) return;
    if (resolved.continues) {
      const prev = this.#held.get(resolved.continues);
      if (prev) prev.continued = true;
    }
    const fields: JsonObject = {};
    for (const f of HELD_FIELDS) {
      const v = resolved.body[f];
      if (v !== undefined) fields[f] = v;
    }
    const messages = Array.isArray(resolved.body["messages"]) ? resolved.body["messages"] : [];
    this.#held.set(messageId, { fields, messages: [...messages, { role: "assistant", content: reply["content"] ?? [] }], continued: false });
  }

  /** Forget a held thread, as a server that lost it (the SDK then replays the history). */
  drop(messageId: string): boolean {
    return this.#held.delete(messageId);
  }
}
