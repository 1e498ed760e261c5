import { describe, expect, it } from "vitest";
import { api, createDesktop, createTask, eventually, hostToken } from "./support/api.ts";
import { TestHost } from "./support/test-host.ts";

describe("task history", () => {
  it("finds tasks by words in their prompt and in their events (full-text search)", async () => {
    await createDesktop("search-1");
    const host = new TestHost("search-1", await hostToken("search-1"));
    await host.connect();
    const a = await createTask({ prompt: "Renew the parking permit on the city portal", desktopId: "search-1" });
    // Labels no desktop has keep these tasks queued, away from the other tests' hosts.
    const b = await createTask({ prompt: "Download the quarterly invoices", labels: ["unmatched"] });
    await host.next("assign");
    host.sendEvents(a.id, [
      { seq: 1, kind: "started" },
      { seq: 2, kind: "assistant_text", data: { text: "The captcha shows a zebra crossing", step: 1 } },
    ]);
    await host.ackedAtLeast(a.id, 2);
    const byPrompt = await api("GET", "/api/tasks?q=invoices");
    expect(byPrompt.json.items.map((t: { id: string }) => t.id)).toEqual([b.id]);
    const byEvent = await eventually(async () => {
      const r = await api("GET", "/api/tasks?q=zebra");
      return r.json.items.length > 0 ? r : undefined;
    }, "event text indexed");
    expect(byEvent.json.items.map((t: { id: string }) => t.id)).toEqual([a.id]);
    // FTS syntax in user input is treated as words, never an error.
    expect((await api("GET", `/api/tasks?q=${encodeURIComponent('"AND OR (NEAR*')}`)).status).toBe(200);
    expect((await api("GET", "/api/tasks?q=parking%20perm")).json.items.map((t: { id: string }) => t.id)).toEqual([a.id]);
  });

  it("pages through tasks newest first with a cursor, without repeats or gaps", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createTask({ prompt: `pagination probe ${i}`, labels: ["pager"] })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api("GET", `/api/tasks?q=pagination&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.items.map((t: { id: string }) => t.id));
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by status and source", async () => {
    const t = await createTask({ prompt: "filter me", labels: ["unmatched"] });
    await api("POST", `/api/tasks/${t.id}/cancel`);
    const cancelled = await api("GET", "/api/tasks?status=cancelled&source=api");
    expect(cancelled.json.items.some((x: { id: string }) => x.id === t.id)).toBe(true);
    const queued = await api("GET", "/api/tasks?status=queued");
    expect(queued.json.items.some((x: { id: string }) => x.id === t.id)).toBe(false);
  });

  it("continues a finished task's conversation on the same desktop when a follow-up arrives", async () => {
    await createDesktop("chat-1");
    const host = new TestHost("chat-1", await hostToken("chat-1"));
    await host.connect();
    const t = await createTask({ prompt: "open the report", desktopId: "chat-1" });
    await host.next("assign");
    host.sendEvents(t.id, [
      { seq: 1, kind: "started" },
      { seq: 2, kind: "usage", data: { inputTokens: 900, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.002, step: 1, model: "claude-sonnet-5-5" } },
      { seq: 3, kind: "usage", data: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.001, step: 2, model: "claude-sonnet-5-5" } },
      { seq: 4, kind: "completed", data: { result: "opened" } },
    ]);
    await host.ackedAtLeast(t.id, 4);
    const res = await api("POST", `/api/tasks/${t.id}/messages`, { body: { text: "now print it" } });
    expect(res.status).toBe(202);
    const again = await host.next("assign");
    expect(again.task.id).toBe(t.id);
    expect(again.task.resume).toBe(true);
    expect(again.task.nextSeq).toBe(5);
    // Money and model calls so far, so the budget and maxSteps hold even on a host that lost the conversation.
    expect(again.task.spent).toEqual({ costUsd: 0.003, steps: 2 });
    expect(again.task.followUps.map((m) => m.text)).toEqual(["now print it"]);
    const events = await api("GET", `/api/tasks/${t.id}/events`);
    expect(events.json.items.some((e: { kind: string; data: { text?: string } }) => e.kind === "user_message" && e.data.text === "now print it")).toBe(true);
  });

  it("delivers a follow-up to a running task at once", async () => {
    await createDesktop("chat-2");
    const host = new TestHost("chat-2", await hostToken("chat-2"));
    await host.connect();
    const t = await createTask({ prompt: "fill the form", desktopId: "chat-2" });
    await host.next("assign");
    host.sendEvents(t.id, [{ seq: 1, kind: "started" }]);
    await host.ackedAtLeast(t.id, 1);
    await api("POST", `/api/tasks/${t.id}/messages`, { body: { text: "use the work address" } });
    const msg = await host.next("task_message");
    expect(msg.message.text).toBe("use the work address");
  });
});
