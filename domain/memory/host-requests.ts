import type { HostMemoryRequest, HostMemoryResult, MemoryNote } from "@deskfleet/protocol";
import { ApiError } from "../api-error.ts";
import type { MemoryRow } from "../../db/memories.ts";
import { saveMemory, searchMemories } from "./memory-service.ts";

/** Who is asking: the task (the memory's source) and its agent (whose memories it reads and writes). */
export type MemoryCaller = { taskId: string; agent: string | null };

const note = (r: MemoryRow): MemoryNote => ({ id: r.id, collection: r.collection, content: r.content });

/**
 * A desktop agent's memory_search or memory_save, from its host's control
 * channel (DesktopDO checked the task runs there and may use memory). It
 * reads the global memories and its agent's own, and saves into its agent's.
 * Every failure is an answer the model can act on; nothing throws.
 */
export async function answerHostMemoryRequest(env: Env, caller: MemoryCaller, request: HostMemoryRequest): Promise<HostMemoryResult> {
  try {
    if (request.kind === "search") {
      const rows = await searchMemories(env, request.query, { scope: { kind: "agent", agent: caller.agent }, collection: request.collection, limit: request.limit ?? 5 });
      return { ok: true, kind: "search", memories: rows.map(note) };
    }
    const { memory, duplicate } = await saveMemory(env, {
      collection: request.collection,
      content: request.content,
      metadata: request.metadata,
      agent: caller.agent,
      source: `task:${caller.taskId}`,
    });
    return { ok: true, kind: "save", memory: note(memory), duplicate };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } };
    console.error("memory request failed", caller.taskId, err instanceof Error ? (err.stack ?? err.message) : String(err));
    return { ok: false, error: { code: "internal", message: "the memory store failed on the control plane's side; carry on without it" } };
  }
}
