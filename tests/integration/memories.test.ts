import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, apiToken, createDesktop, createTask, eventually, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";
import { forgetMemories, saveMemory, searchMemories } from "../../domain/memory/memory-service.ts";
import { VectorizeStandIn, WorkersAiStandIn } from "../../test-support/workers-bindings/index.ts";

async function remember(body: Record<string, unknown>) {
  const res = await api("POST", "/api/memories", { body });
  if (res.status !== 201) throw new Error(`save memory: ${res.status} ${res.text}`);
  return res.json.memory;
}

const search = async (q: string, extra = "") => (await api("GET", `/api/memories?q=${encodeURIComponent(q)}${extra}`)).json.items as { id: string; content: string; rank: number }[];

describe("memories through the API", () => {
  it("stores an insight once per collection: the same words again (case, spacing, a full stop) are a duplicate", async () => {
    const first = await remember({ collection: "sites", content: "billing.example hides the PDF button under More" });
    const again = await api("POST", "/api/memories", { body: { collection: "sites", content: "  Billing.example hides the PDF  button under More. " } });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true, memory: { id: first.id, source: "person:admin" } });
    expect(again.json.memory.lastUsedAt).toBeGreaterThan(0);
    const elsewhere = await api("POST", "/api/memories", { body: { collection: "workflows", content: "billing.example hides the PDF button under More" } });
    expect(elsewhere.status).toBe(201);
  });

  it("refuses a memory over 4,000 characters with 422, and a body over 256 KiB with 413, storing nothing", async () => {
    const long = await api("POST", "/api/memories", { body: { collection: "sites", content: "x".repeat(4_001) } });
    expect(long.status).toBe(422);
    expect(long.json.error.message).toMatch(/content: a memory is at most 4000 characters: save one insight per memory/);
    const huge = await api("POST", "/api/memories", { body: { collection: "sites", content: "y".repeat(300 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe("payload_too_large");
    expect(await search("xxxx")).toEqual([]);
  });

  it("finds the best match first, ranked by BM25 over any of the words", async () => {
    await remember({ collection: "errors", content: "shop.example shows a cookie consent wall; click Accept all (bottom right) before anything else" });
    await remember({ collection: "sites", content: "shop.example keeps the basket at the top right" });
    await remember({ collection: "users", content: "Ada wants receipts as PDF, never as images" });
    const hits = await search("how do I get past the cookie banner on shop.example");
    expect(hits[0]!.content).toMatch(/cookie consent wall/);
    expect(hits[0]!.rank).toBe(1);
    expect(hits.some((h) => h.content.startsWith("Ada"))).toBe(false);
    const inCollection = await search("shop.example", "&collection=sites");
    expect(inCollection.map((h) => h.content)).toEqual(["shop.example keeps the basket at the top right"]);
  });

  it("scopes an agent to the global memories and its own", async () => {
    await api("POST", "/api/agents", { body: { name: "scope-a", description: "a" } });
    await api("POST", "/api/agents", { body: { name: "scope-b", description: "b" } });
    await remember({ collection: "sites", content: "portal.example login is behind SSO (global)" });
    await remember({ collection: "sites", content: "portal.example exports live in Reports (agent a)", agent: "scope-a" });
    await remember({ collection: "sites", content: "portal.example invoices live in Billing (agent b)", agent: "scope-b" });
    const forA = (await search("portal.example", "&agent=scope-a")).map((h) => h.content);
    expect(forA).toHaveLength(2);
    expect(forA.join(" ")).toMatch(/global/);
    expect(forA.join(" ")).toMatch(/agent a/);
    expect(forA.join(" ")).not.toMatch(/agent b/);
  });

  it("lets operators read and delete, and only admins write and edit", async () => {
    const operator = await apiToken("operator");
    const viewer = await apiToken("viewer");
    const m = await remember({ collection: "sites", content: "forget-me.example is retired" });
    expect((await api("GET", `/api/memories/${m.id}`, { token: viewer })).status).toBe(403);
    expect((await api("POST", "/api/memories", { token: operator, body: { collection: "sites", content: "x" } })).status).toBe(403);
    expect((await api("PATCH", `/api/memories/${m.id}`, { token: operator, body: { content: "y" } })).status).toBe(403);
    const edited = await api("PATCH", `/api/memories/${m.id}`, { body: { content: "forget-me.example was retired in 2026" } });
    expect(edited.json.content).toBe("forget-me.example was retired in 2026");
    expect((await search("retired")).map((h) => h.id)).toContain(m.id);
    expect((await api("DELETE", `/api/memories/${m.id}`, { token: operator })).status).toBe(200);
    expect((await api("GET", `/api/memories/${m.id}`)).status).toBe(404);
    expect((await search("retired")).map((h) => h.id)).not.toContain(m.id);
  });

  it("refuses an edit that would duplicate another memory of the collection with 409", async () => {
    const a = await remember({ collection: "workflows", content: "export the ledger monthly" });
    await remember({ collection: "workflows", content: "export the ledger weekly" });
    const clash = await api("PATCH", `/api/memories/${a.id}`, { body: { content: "Export the ledger weekly." } });
    expect(clash.status).toBe(409);
    expect((await api("GET", `/api/memories/${a.id}`)).json.content).toBe("export the ledger monthly");
  });

  it("lists newest first with a cursor", async () => {
    for (const n of [1, 2, 3]) await remember({ collection: "pager", content: `page test memory number ${n}` });
    const first = (await api("GET", "/api/memories?collection=pager&limit=2")).json;
    expect(first.items.map((m: { content: string }) => m.content)).toEqual(["page test memory number 3", "page test memory number 2"]);
    const second = (await api("GET", `/api/memories?collection=pager&limit=2&cursor=${first.nextCursor}`)).json;
    expect(second.items.map((m: { content: string }) => m.content)).toEqual(["page test memory number 1"]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("memories and tasks", () => {
  it("start a task with the memories that fit its prompt, and not with ones that share a single word", async () => {
    await remember({ collection: "errors", content: "crm.example: the search box needs Enter twice; the first Enter only opens suggestions" });
    await remember({ collection: "sites", content: "garden.example: the search is in the footer" });
    await createDesktop("mem-recall");
    const host = new TestHost("mem-recall", await hostToken("mem-recall"));
    await host.connect();
    const task = await createTask({ prompt: "Search crm.example for the ACME account and open it", desktopId: "mem-recall" });
    const { task: assigned } = await host.next("assign");
    expect(assigned.id).toBe(task.id);
    expect(assigned.briefing?.memories.map((m) => m.content)).toEqual(["crm.example: the search box needs Enter twice; the first Enter only opens suggestions"]);
  });

  it("answer a running task's memory tools over the host channel, in its agent's scope, saved as the task's", async () => {
    await api("POST", "/api/agents", { body: { name: "mem-scout", description: "scouts", tools: ["computer", "memory"] } });
    await api("POST", "/api/agents", { body: { name: "mem-blind", description: "no memory", tools: ["computer"] } });
    await remember({ collection: "sites", content: "scout.example: prices are per month (global)" });
    await remember({ collection: "sites", content: "scout.example: the other agent's note", agent: "mem-blind" });
    await createDesktop("mem-tools");
    const host = new TestHost("mem-tools", await hostToken("mem-tools"));
    await host.connect();
    const task = await createTask({ prompt: "Compare prices on scout.example", desktopId: "mem-tools", agent: "mem-scout" });
    await host.next("assign");

    host.send({ type: "memory_request", requestId: "q1", taskId: task.id, request: { kind: "search", query: "scout.example prices" } });
    const found = await host.next("memory_response");
    expect(found).toEqual({ type: "memory_response", requestId: "q1", result: { ok: true, kind: "search", memories: [expect.objectContaining({ content: "scout.example: prices are per month (global)" })] } });

    host.send({ type: "memory_request", requestId: "s1", taskId: task.id, request: { kind: "save", collection: "sites", content: "scout.example: the yearly plan is 20% cheaper" } });
    const saved = await host.next("memory_response");
    expect(saved.result).toMatchObject({ ok: true, kind: "save", duplicate: false });
    const stored = (await search("yearly plan cheaper")).find((h) => h.content.includes("yearly plan"));
    expect(stored).toMatchObject({ agent: "mem-scout", source: `task:${task.id}` });

    host.send({ type: "memory_request", requestId: "x1", taskId: "tsk_0000000000nothere", request: { kind: "search", query: "x" } });
    expect((await host.next("memory_response")).result).toMatchObject({ ok: false, error: { code: "not_found" } });

    host.sendEvents(task.id, [{ seq: 1, kind: "started" }, { seq: 2, kind: "completed", data: { result: "done" } }]);
    await eventually(async () => (await api("GET", `/api/tasks/${task.id}`)).json.status === "completed", "completed");
    const blind = await createTask({ prompt: "Look at scout.example", desktopId: "mem-tools", agent: "mem-blind" });
    await host.next("assign");
    host.send({ type: "memory_request", requestId: "b1", taskId: blind.id, request: { kind: "search", query: "scout.example" } });
    expect((await host.next("memory_response")).result).toMatchObject({ ok: false, error: { code: "tool_not_allowed" } });
    host.send({ type: "memory_request", requestId: "o1", taskId: task.id, request: { kind: "search", query: "scout.example" } });
    expect((await host.next("memory_response")).result).toMatchObject({ ok: false, error: { code: "not_running_here" } });
  });
});

describe("hybrid memory search (Vectorize and Workers AI bound)", () => {
  it("embeds each saved memory, fuses vector hits with full-text ones, keeps the reader's scope, and forgets vectors with their memories", async () => {
    const ai = new WorkersAiStandIn();
    const index = new VectorizeStandIn({ dimensions: 768 });
    // A view of env with the two bindings; env itself must not change (other tests read it).
    const hybrid = new Proxy(env, { get: (target, key) => (key === "AI" ? ai : key === "MEMORY_INDEX" ? index : Reflect.get(target, key)) }) as Env;
    const wall = await saveMemory(hybrid, { collection: "errors", content: "tickets.example cookie wall: press Accept all", agent: null, source: "person:test" });
    const other = await saveMemory(hybrid, { collection: "errors", content: "tickets.example cookie banner for agent x only", agent: "hybrid-x", source: "person:test" });
    expect(index.has(wall.memory.id) && index.has(other.memory.id)).toBe(true);
    expect(ai.calls[0]).toEqual({ model: "@cf/baai/bge-base-en-v1.5", texts: ["tickets.example cookie wall: press Accept all"] });

    // A misspelling full-text search cannot match; the vectors can.
    expect(await searchMemories(env, "cokie wal", { scope: { kind: "all" }, limit: 5 })).toEqual([]);
    const found = await searchMemories(hybrid, "cokie wal", { scope: { kind: "agent", agent: null }, limit: 5 });
    expect(found.map((m) => m.id)).toEqual([wall.memory.id]);

    await forgetMemories(hybrid, [wall.memory.id], "test");
    expect(index.has(wall.memory.id)).toBe(false);
  });
});
