import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ListMemoriesQuery, Memory, MemoryHit, MemoryId, SaveMemoryBody, SavedMemory, UpdateMemoryBody } from "@deskfleet/protocol";
import type { AppEnv } from "../app-env.ts";
import { conflictResponse, jsonBody, jsonContent, secureRoute } from "../http/route.ts";
import { validationHook } from "../http/errors.ts";
import { ApiError } from "../../domain/api-error.ts";
import { listMemories, toMemory } from "../../db/memories.ts";
import { decodeCursor, encodeCursor } from "../../db/tasks.ts";
import { editMemory, forgetMemories, requireMemory, saveMemory, searchMemories } from "../../domain/memory/memory-service.ts";

const MemoryParam = z.object({ id: MemoryId });

/**
 * Long-term memory: operators read, search and delete (forgetting is always
 * allowed); admins also write and edit. Agents and the supervisor save
 * memories through their tools.
 */
export const memories = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/memories",
      summary: "Search memories (`q`, best match first) or list them (newest first, cursor pagination)",
      request: { query: ListMemoriesQuery },
      responses: { 200: jsonContent(z.object({ items: z.array(MemoryHit), nextCursor: z.string().nullable() }), "Memories") },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const scope = q.agent ? ({ kind: "agent", agent: q.agent } as const) : ({ kind: "all" } as const);
      if (q.q !== undefined) {
        if (q.cursor !== undefined) throw new ApiError(422, "invalid_cursor", "a search returns its best matches in one page; leave out cursor (or raise limit)");
        const rows = await searchMemories(c.env, q.q, { scope, collection: q.collection, limit: q.limit, peek: true });
        return c.json({ items: rows.map((r, i) => ({ ...toMemory(r), rank: i + 1 })), nextCursor: null }, 200);
      }
      const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (cursor === null) throw new ApiError(422, "invalid_cursor", "cursor is not one this API returned; start again without it");
      const page = await listMemories(c.env.DB, { scope, collection: q.collection, limit: q.limit, cursor });
      return c.json(
        { items: page.items.map((r, i) => ({ ...toMemory(r), rank: i + 1 })), nextCursor: page.nextCursor ? encodeCursor(page.nextCursor.createdAt, page.nextCursor.id) : null },
        200,
      );
    },
  )
  .openapi(
    secureRoute("admin", {
      method: "post",
      path: "/api/memories",
      summary: "Save a memory (one insight); the same content in the same collection is stored once",
      request: { body: jsonBody(SaveMemoryBody) },
      responses: {
        201: jsonContent(SavedMemory, "Saved"),
        200: jsonContent(SavedMemory, "Already there: nothing new was stored"),
        ...conflictResponse("The same memory was deleted while it was saved; save it again"),
      },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const saved = await saveMemory(c.env, { ...b, agent: b.agent ?? null, source: `person:${c.var.identity.id}` });
      const body = { memory: toMemory(saved.memory), duplicate: saved.duplicate };
      return saved.duplicate ? c.json(body, 200) : c.json(body, 201);
    },
  )
  .openapi(
    secureRoute("operator", {
      method: "get",
      path: "/api/memories/{id}",
      summary: "One memory",
      request: { params: MemoryParam },
      responses: { 200: jsonContent(Memory, "The memory") },
    }),
    async (c) => c.json(toMemory(await requireMemory(c.env, c.req.valid("param").id)), 200),
  )
  .openapi(
    secureRoute("admin", {
      method: "patch",
      path: "/api/memories/{id}",
      summary: "Edit a memory",
      request: { params: MemoryParam, body: jsonBody(UpdateMemoryBody) },
      responses: { 200: jsonContent(Memory, "The edited memory"), ...conflictResponse("Its collection already holds the same content") },
    }),
    async (c) => c.json(toMemory(await editMemory(c.env, c.req.valid("param").id, c.req.valid("json"), c.var.identity.id)), 200),
  )
  .openapi(
    secureRoute("operator", {
      method: "delete",
      path: "/api/memories/{id}",
      summary: "Forget a memory",
      request: { params: MemoryParam },
      responses: { 200: jsonContent(z.object({ deleted: z.literal(true), id: z.string() }), "Forgotten") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireMemory(c.env, id);
      await forgetMemories(c.env, [id], c.var.identity.id);
      return c.json({ deleted: true as const, id }, 200);
    },
  );
