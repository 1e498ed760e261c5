import { z } from "zod";
import { AgentName, MemoryCollection, MemoryContent, MemoryId, MemoryMetadata } from "@deskfleet/protocol";
import type { MemoryRow } from "../../../db/memories.ts";
import { forgetMemories, saveMemory, searchMemories } from "../../memory/memory-service.ts";
import { iso, json, tool } from "./tool.ts";

/** A memory as the model sees it. */
const view = (m: MemoryRow) => ({ id: m.id, collection: m.collection, agent: m.agent, content: m.content, source: m.source, createdAt: iso(m.createdAt) });

export const memorySearch = tool({
  name: "memory_search",
  description:
    "Search long-term memory (what earlier tasks and people taught the fleet: sites, users, errors, workflows), best match first. Search before you delegate a task, and put what is relevant into its prompt.",
  input: z.strictObject({
    query: z.string().trim().min(1).max(500).describe("Words to look for: the site, app, person or problem"),
    collection: MemoryCollection.optional().describe("Only this collection (sites, users, errors, workflows, …)"),
    agent: AgentName.optional().describe("Only what this agent reads: global memories and its own"),
    limit: z.number().int().min(1).max(20).optional(),
  }),
  effect: "read",
  run: async (ctx, b) => {
    const rows = await searchMemories(ctx.env, b.query, { scope: b.agent ? { kind: "agent", agent: b.agent } : { kind: "all" }, collection: b.collection, limit: b.limit ?? 5 });
    return json({ memories: rows.map(view) });
  },
});

export const memorySave = tool({
  name: "memory_save",
  description:
    "Save one lasting insight to long-term memory (one per call): how a site is laid out, a failure and the way around it (collection `errors`), a workflow that works (`workflows`), a person's preference (`users`). Not a task's result. The same insight twice is stored once.",
  input: z.strictObject({
    collection: MemoryCollection,
    content: MemoryContent.describe("The insight, self-contained: name the site or app it is about"),
    metadata: MemoryMetadata.optional().describe("Keywords that help find it, e.g. {\"site\":\"shop.example\"}"),
    agent: AgentName.optional().describe("Only this agent reads it; leave out for every agent"),
  }),
  effect: "memory",
  run: async (ctx, b) => {
    const { memory, duplicate } = await saveMemory(ctx.env, { ...b, agent: b.agent ?? null, source: `conversation:${ctx.conversationId}` });
    return json({ saved: view(memory), duplicate });
  },
});

export const memoryDelete = tool({
  name: "memory_delete",
  description: "Forget memories by id (find them with memory_search first), e.g. when a person says \"forget that …\" or a memory turned out wrong.",
  input: z.strictObject({ ids: z.array(MemoryId).min(1).max(20) }),
  effect: "memory",
  run: async (ctx, { ids }) => {
    const deleted = await forgetMemories(ctx.env, ids, ctx.actor);
    const missing = ids.filter((id) => !deleted.includes(id));
    return json({ deleted, ...(missing.length ? { notFound: missing } : {}) });
  },
});

export const memoryTools = [memorySearch, memorySave, memoryDelete];
