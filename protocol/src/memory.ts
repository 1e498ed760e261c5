import { z } from "zod";
import { EpochMs } from "./ids.ts";
import { AgentName } from "./agents.ts";

/**
 * Long-term memory: one insight per row (how a site is laid out, a failure
 * and its way around, a person's preference), in a collection, searchable
 * with full-text ranking (and vectors when deployed with Vectorize).
 */

/** The most characters of one memory: one insight, not a transcript. Longer is refused with 422 (over 256 KiB of JSON, 413). */
export const MAX_MEMORY_CHARS = 4_000;
/** The most JSON bytes of a memory's metadata. */
export const MAX_MEMORY_METADATA_BYTES = 2_048;
/** Memories a search returns at most. */
export const MAX_MEMORY_RESULTS = 50;

/** `sites`, `users`, `errors`, `workflows`, or any other name. */
export const MemoryCollection = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, {
  message: "a collection is 1-40 lowercase letters, digits, `_` and `-` (e.g. `sites`, `errors`, `workflows`)",
});
export const MEMORY_COLLECTIONS = ["sites", "users", "errors", "workflows"] as const;

/** Who saved it: `task:<id>`, `conversation:<id>` (the supervisor) or `person:<identity>`. */
export const MemorySource = z.string().regex(/^(task|conversation|person):[^\s]{1,200}$/, {
  message: "source is task:<id>, conversation:<id> or person:<identity>",
});

export const MemoryContent = z
  .string()
  .trim()
  .min(1, { message: "content must not be empty" })
  .max(MAX_MEMORY_CHARS, { message: `a memory is at most ${MAX_MEMORY_CHARS} characters: save one insight per memory` });

export const MemoryMetadata = z
  .record(z.string().max(100), z.unknown())
  .refine((m) => JSON.stringify(m).length <= MAX_MEMORY_METADATA_BYTES, { message: `metadata is at most ${MAX_MEMORY_METADATA_BYTES} bytes of JSON` });

export const MemoryId = z.string().regex(/^mem_[0-9a-z]{10,40}$/, { message: "a memory id looks like `mem_…`" });

export const Memory = z.object({
  id: MemoryId,
  collection: z.string(),
  /** The agent it belongs to; null for a global memory every agent reads. */
  agent: AgentName.nullable(),
  content: z.string(),
  /** SHA-256 of the normalized content: a collection holds each insight once. */
  contentHash: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  source: z.string(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  /** When a search last returned it, or it was put into a task's prompt. */
  lastUsedAt: EpochMs.nullable(),
});
export type Memory = z.infer<typeof Memory>;

/** A memory found by a search, with its rank (1 is best). */
export const MemoryHit = Memory.extend({ rank: z.number().int().positive() });
export type MemoryHit = z.infer<typeof MemoryHit>;

export const SaveMemoryBody = z.strictObject({
  collection: MemoryCollection,
  content: MemoryContent,
  metadata: MemoryMetadata.optional(),
  agent: AgentName.nullable().optional().describe("The agent it belongs to; absent or null: a global memory"),
});
export type SaveMemoryBody = z.infer<typeof SaveMemoryBody>;

export const UpdateMemoryBody = z
  .strictObject({
    collection: MemoryCollection.optional(),
    content: MemoryContent.optional(),
    metadata: MemoryMetadata.optional(),
    agent: AgentName.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "send at least one field to change" });
export type UpdateMemoryBody = z.infer<typeof UpdateMemoryBody>;

export const ListMemoriesQuery = z.strictObject({
  /** Words to search for, ranked by relevance; without it, newest first. */
  q: z.string().trim().min(1).max(500).optional(),
  collection: MemoryCollection.optional(),
  /** Memories an agent reads: the global ones and its own. */
  agent: AgentName.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_MEMORY_RESULTS).default(20),
  /** Newest-first listing only. */
  cursor: z.string().max(200).optional(),
});
export type ListMemoriesQuery = z.infer<typeof ListMemoriesQuery>;

/** What a saved memory reports: the row, and whether the same insight was already there (then nothing new was stored). */
export const SavedMemory = z.object({ memory: Memory, duplicate: z.boolean() });
export type SavedMemory = z.infer<typeof SavedMemory>;

// ---- the desktop agent's memory tools, over the host control channel

export const HostMemoryRequest = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("search"), query: z.string().trim().min(1).max(500), collection: MemoryCollection.optional(), limit: z.number().int().min(1).max(10).optional() }),
  z.object({ kind: z.literal("save"), collection: MemoryCollection, content: MemoryContent, metadata: MemoryMetadata.optional() }),
]);
export type HostMemoryRequest = z.infer<typeof HostMemoryRequest>;

/** What the agent's model sees of a memory. */
export const MemoryNote = z.object({ id: MemoryId, collection: z.string(), content: z.string().max(MAX_MEMORY_CHARS) });
export type MemoryNote = z.infer<typeof MemoryNote>;

export const HostMemoryResult = z.union([
  z.object({ ok: z.literal(true), kind: z.literal("search"), memories: z.array(MemoryNote).max(10) }),
  z.object({ ok: z.literal(true), kind: z.literal("save"), memory: MemoryNote, duplicate: z.boolean() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(100), message: z.string().max(2_000) }) }),
]);
export type HostMemoryResult = z.infer<typeof HostMemoryResult>;
